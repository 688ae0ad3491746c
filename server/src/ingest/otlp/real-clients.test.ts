import { OTLPLogExporter as OTLPLogExporterHttp } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as OTLPMetricExporterHttp } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../api/selector.js';
import { ROOT_KEY } from '../../testing/app-fixture.js';
import { type IngestFixture, createIngestFixture } from '../../testing/ingest-routes.js';

// The OpenTelemetry JS SDK and its OTLP/HTTP exporters (JSON and protobuf), pinned to the
// versions that run on Node 20 (protocols.md §0.9), send to Vigil on a real loopback port.

const EXPORTERS = [
  { name: 'JSON (exporter-*-otlp-http)', metrics: OTLPMetricExporterHttp, logs: OTLPLogExporterHttp },
  { name: 'protobuf (exporter-*-otlp-proto)', metrics: OTLPMetricExporterProto, logs: OTLPLogExporterProto },
] as const;

describe.each(EXPORTERS)('OpenTelemetry JS SDK over OTLP/HTTP $name', ({ metrics: MetricExporter, logs: LogExporter }) => {
  let f: IngestFixture;
  let base: string;
  beforeEach(async () => {
    f = await createIngestFixture();
    base = await f.listen();
  });
  afterEach(async () => {
    await f.close();
  });

  const headers = { Authorization: `Bearer ${ROOT_KEY}` };
  const resource = resourceFromAttributes({ 'service.name': 'demo-svc', 'service.instance.id': 'i-1', 'host.name': 'box-7' });

  const query = async (q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
    const res = await f.request(`/api/v1/query?query=${encodeURIComponent(q)}&time=${Date.now() / 1000 + 1}`);
    const body = await res.json();
    expect(body.status, JSON.stringify(body)).toBe('success');
    return body.data.result;
  };

  it('stores counters, up-down counters, gauges and histograms as Prometheus series', async () => {
    const exporter = new MetricExporter({ url: `${base}/v1/metrics`, headers });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ resource, readers: [reader] });
    const meter = provider.getMeter('demo-scope', '1.2.3');
    meter.createCounter('http.server.requests', { unit: '{request}' }).add(3, { route: '/a' });
    meter.createHistogram('http.server.duration', { unit: 'ms' }).record(12.5, { route: '/a' });
    meter.createUpDownCounter('queue.depth').add(-2);
    meter.createGauge('temp', { unit: 'Cel' }).record(21.5);
    await reader.forceFlush();
    await provider.shutdown();

    const [requests] = await query('http_server_requests_total');
    expect(requests?.metric).toEqual({
      __name__: 'http_server_requests_total',
      route: '/a',
      job: 'demo-svc',
      instance: 'i-1',
      otel_scope_name: 'demo-scope',
      otel_scope_version: '1.2.3',
    });
    expect(requests?.value[1]).toBe('3');
    expect((await query('http_server_duration_milliseconds_bucket{le="25"}'))[0]?.value[1]).toBe('1');
    expect((await query('http_server_duration_milliseconds_bucket{le="10"}'))[0]?.value[1]).toBe('0');
    expect((await query('http_server_duration_milliseconds_bucket{le="+Inf"}'))[0]?.value[1]).toBe('1');
    expect((await query('http_server_duration_milliseconds_sum'))[0]?.value[1]).toBe('12.5');
    expect((await query('http_server_duration_milliseconds_count'))[0]?.value[1]).toBe('1');
    expect((await query('queue_depth'))[0]?.value[1]).toBe('-2');
    expect((await query('temp_celsius'))[0]?.value[1]).toBe('21.5');
    const [info] = await query('target_info');
    expect(info?.metric).toMatchObject({ job: 'demo-svc', instance: 'i-1', host_name: 'box-7' });
    expect(info?.metric).not.toHaveProperty('service_name');
  });

  it('stores log records as streams with service_name and level labels and metadata', async () => {
    const exporter = new LogExporter({ url: `${base}/v1/logs`, headers });
    const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
    const logger = provider.getLogger('demo-logger');
    logger.emit({ severityNumber: 13, severityText: 'WARN', body: 'disk almost full', attributes: { 'disk.id': 'sda' } });
    logger.emit({ severityNumber: 9, severityText: 'INFO', body: 'all good' });
    await provider.forceFlush();
    await provider.shutdown();

    const read = async (selector: string) =>
      (
        await f.storage.logs.read('default', {
          matchers: parseSeriesSelector(selector),
          startNs: 0n,
          endNs: BigInt(Date.now() + 60_000) * 1_000_000n,
          direction: 'forward',
          limit: 0,
        })
      ).entries;
    const warn = await read('{service_name="demo-svc", level="warn"}');
    expect(warn.map((e) => e.line)).toEqual(['disk almost full']);
    expect(warn[0]!.metadata).toMatchObject({ disk_id: 'sda', host_name: 'box-7', scope_name: 'demo-logger', severity_text: 'WARN' });
    expect((await read('{service_name="demo-svc", service_instance_id="i-1", level="info"}')).map((e) => e.line)).toEqual(['all good']);
  });
});
