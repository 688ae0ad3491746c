import type { SeriesSamples } from '@vigil/storage';
import { describe, expect, it } from 'vitest';
import { decodeMetricsJson } from './decode-json.js';
import { EXAMPLE_JSON } from './test-payloads.js';
import { DeltaAccumulator } from './delta-accumulator.js';
import { otlpMetricsToSeries } from './metrics-to-series.js';
import type { OtlpMetric, OtlpResourceMetrics } from './model.js';
import { formatPromFloat, promLabelName, promMetricName } from './prometheus-names.js';

const NOW = 1_795_316_190_000;
const TNS = 1795316186105000000n;
const TMS = 1795316186105;

/** Series as `name{a="b",…} v1,v2` strings, sorted, for compact assertions. */
function show(series: readonly SeriesSamples[]): string[] {
  return series
    .map((s) => {
      const name = s.labels.find((l) => l.name === '__name__')?.value;
      const rest = s.labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}="${l.value}"`);
      return `${name}{${rest.join(',')}} ${Array.from(s.values).join(',')}`;
    })
    .sort();
}

function one(metric: OtlpMetric, resource = [{ key: 'service.name', value: 'svc' }]): OtlpResourceMetrics[] {
  return [{ resource, scopes: [{ scope: { name: '', version: '', attributes: [] }, metrics: [metric] }] }];
}

describe('promMetricName', () => {
  it.each([
    ['http.server.duration', 'ms', 'histogram', 'http_server_duration_milliseconds'],
    ['http.server.requests', '{request}', 'counter', 'http_server_requests_total'],
    ['process.cpu.time', 's', 'counter', 'process_cpu_time_seconds_total'],
    ['requests_total', '', 'counter', 'requests_total'],
    ['io', 'By/s', 'gauge', 'io_bytes_per_second'],
    ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio'],
    ['hits', '1', 'counter', 'hits_total'],
    ['latency_seconds', 's', 'histogram', 'latency_seconds'],
    ['temp', 'Cel', 'gauge', 'temp_celsius'],
    ['memory..used!!', 'By', 'gauge', 'memory_used_bytes'],
    ['2xx.count', '', 'gauge', '_2xx_count'],
    ['bytes_sent_total', 'By', 'counter', 'bytes_sent_total'],
  ] as const)('%s [%s] as a %s → %s', (name, unit, kind, expected) => {
    expect(promMetricName(name, unit, kind)).toBe(expected);
  });
});

describe('promLabelName and formatPromFloat', () => {
  it.each([
    ['http.route', 'http_route'],
    ['1st', 'key_1st'],
    ['__secret', 'key__secret'],
    ['ok_name', 'ok_name'],
  ])('label %s → %s', (key, expected) => expect(promLabelName(key)).toBe(expected));
  it.each([
    [25, '25'],
    [0.005, '0.005'],
    [1e-7, '0.0000001'],
    [Number.POSITIVE_INFINITY, '+Inf'],
  ])('float %d → %s', (v, expected) => expect(formatPromFloat(v)).toBe(expected));
});

describe('otlpMetricsToSeries', () => {
  it('converts the JS exporter payload as the compatibility spec says', () => {
    const out = otlpMetricsToSeries(decodeMetricsJson(JSON.stringify(EXAMPLE_JSON)), { nowMs: NOW, deltas: new DeltaAccumulator(), tenant: 't' });
    const common = 'instance="i-1",job="demo-svc",otel_scope_name="demo-scope",otel_scope_version="1.2.3"';
    const bucket = (le: string, v: number) => `http_server_duration_milliseconds_bucket{instance="i-1",job="demo-svc",le="${le}",otel_scope_name="demo-scope",otel_scope_version="1.2.3"} ${v}`;
    const lines = show(out.series);
    expect(lines).toContain(`http_server_requests_total{${common},route="/a"} 3`);
    expect(lines).toContain(bucket('25', 1));
    expect(lines).toContain(bucket('10', 0));
    expect(lines).toContain(bucket('10000', 1));
    expect(lines).toContain(bucket('+Inf', 1));
    expect(lines).toContain(`http_server_duration_milliseconds_count{${common}} 1`);
    expect(lines).toContain(`http_server_duration_milliseconds_sum{${common}} 12.5`);
    expect(lines).toContain(`queue_depth{${common}} -2`);
    expect(lines).toContain(`temp_celsius{${common}} 21.5`);
    // Only identity attributes on the resource: no target_info.
    expect(lines.some((l) => l.startsWith('target_info'))).toBe(false);
    expect(out.series.every((s) => s.timestampsMs[0] === TMS)).toBe(true);
    expect(out.points).toBe(4);
  });

  it('puts other resource attributes on one target_info series and joins colliding label keys with ";"', () => {
    const out = otlpMetricsToSeries(
      one(
        { name: 'g', description: '', unit: '', data: { type: 'gauge', points: [{ attributes: [{ key: 'a.b', value: '1' }, { key: 'a_b', value: '2' }], startTimeNs: 0n, timeNs: TNS, flags: 0, value: 5 }] } },
        [
          { key: 'service.name', value: 'svc' },
          { key: 'service.namespace', value: 'shop' },
          { key: 'host.name', value: 'box' },
        ],
      ),
      { nowMs: NOW, deltas: new DeltaAccumulator(), tenant: 't' },
    );
    expect(show(out.series)).toEqual(['g{a_b="1;2",job="shop/svc"} 5', 'target_info{host_name="box",job="shop/svc"} 1']);
  });

  it('accumulates monotonic delta sums into a cumulative counter across requests, per tenant', () => {
    const deltas = new DeltaAccumulator();
    const req = (value: number) =>
      one({ name: 'hits', description: '', unit: '', data: { type: 'sum', temporality: 1, monotonic: true, points: [{ attributes: [], startTimeNs: 0n, timeNs: TNS, flags: 0, value }] } });
    expect(show(otlpMetricsToSeries(req(2), { nowMs: NOW, deltas, tenant: 'a' }).series)).toEqual(['hits_total{job="svc"} 2']);
    expect(show(otlpMetricsToSeries(req(3), { nowMs: NOW, deltas, tenant: 'a' }).series)).toEqual(['hits_total{job="svc"} 5']);
    expect(show(otlpMetricsToSeries(req(1), { nowMs: NOW, deltas, tenant: 'b' }).series)).toEqual(['hits_total{job="svc"} 1']);
  });

  it('accumulates delta histograms bucket by bucket', () => {
    const deltas = new DeltaAccumulator();
    const req = (counts: number[]) =>
      one({
        name: 'lat',
        description: '',
        unit: 's',
        data: { type: 'histogram', temporality: 1, points: [{ attributes: [], startTimeNs: 0n, timeNs: TNS, flags: 0, count: counts.reduce((a, b) => a + b), sum: 1, bucketCounts: counts, bounds: [1] }] },
      });
    otlpMetricsToSeries(req([1, 0]), { nowMs: NOW, deltas, tenant: 'a' });
    expect(show(otlpMetricsToSeries(req([1, 2]), { nowMs: NOW, deltas, tenant: 'a' }).series)).toEqual([
      'lat_seconds_bucket{job="svc",le="+Inf"} 4',
      'lat_seconds_bucket{job="svc",le="1"} 2',
      'lat_seconds_count{job="svc"} 4',
      'lat_seconds_sum{job="svc"} 2',
    ]);
  });

  it('drops non-monotonic deltas, exponential histograms and malformed histograms with a count and a reason', () => {
    const deltas = new DeltaAccumulator();
    const res: OtlpResourceMetrics[] = [
      {
        resource: [],
        scopes: [
          {
            scope: { name: '', version: '', attributes: [] },
            metrics: [
              { name: 'd', description: '', unit: '', data: { type: 'sum', temporality: 1, monotonic: false, points: [{ attributes: [], startTimeNs: 0n, timeNs: TNS, flags: 0, value: 1 }] } },
              { name: 'e', description: '', unit: '', data: { type: 'exponential_histogram', pointCount: 2 } },
              { name: 'h', description: '', unit: '', data: { type: 'histogram', temporality: 2, points: [{ attributes: [], startTimeNs: 0n, timeNs: TNS, flags: 0, count: 1, sum: 1, bucketCounts: [1], bounds: [1, 2] }] } },
            ],
          },
        ],
      },
    ];
    const out = otlpMetricsToSeries(res, { nowMs: NOW, deltas, tenant: 't' });
    expect(out.series).toEqual([]);
    expect(out.dropped.map((d) => [d.reason, d.points])).toEqual([
      ['delta_non_monotonic', 1],
      ['exponential_histogram', 2],
      ['invalid_histogram', 1],
    ]);
  });

  it('turns summaries into quantile series plus _sum and _count, and flags "no recorded value" as stale', () => {
    const out = otlpMetricsToSeries(
      one({
        name: 'rpc.latency',
        description: '',
        unit: 'ms',
        data: {
          type: 'summary',
          points: [
            { attributes: [], startTimeNs: 0n, timeNs: TNS, flags: 0, count: 10, sum: 50, quantiles: [{ quantile: 0.5, value: 4 }, { quantile: 0.99, value: 9 }] },
            { attributes: [], startTimeNs: 0n, timeNs: TNS + 1_000_000_000n, flags: 1, count: 0, sum: 0, quantiles: [] },
          ],
        },
      }),
      { nowMs: NOW, deltas: new DeltaAccumulator(), tenant: 't' },
    );
    expect(show(out.series)).toEqual([
      'rpc_latency_milliseconds_count{job="svc"} 10,NaN',
      'rpc_latency_milliseconds_sum{job="svc"} 50,NaN',
      'rpc_latency_milliseconds{job="svc",quantile="0.5"} 4',
      'rpc_latency_milliseconds{job="svc",quantile="0.99"} 9',
    ]);
    expect(Array.from(out.series.find((s) => s.labels.some((l) => l.value === 'rpc_latency_milliseconds_sum'))!.stale!)).toEqual([0, 1]);
    // Series without a staleness marker carry no flags at all.
    expect(out.series.find((s) => s.labels.some((l) => l.value === '0.5'))!.stale).toBeUndefined();
  });

  it('converts the times of points that cycle through many timestamps', () => {
    const times = Array.from({ length: 20 }, (_, i) => TNS + BigInt(i) * 10_000_000_000n + 999_999n);
    const points = [...times, ...times].map((timeNs, i) => ({ attributes: [{ key: 'i', value: String(i % 2) }], startTimeNs: 0n, timeNs, flags: 0, value: i }));
    const out = otlpMetricsToSeries(one({ name: 'g', description: '', unit: '', data: { type: 'gauge', points } }), { nowMs: NOW, deltas: new DeltaAccumulator(), tenant: 't' });
    const expected = [...times, ...times].map((t) => Number(t / 1_000_000n));
    for (const s of out.series) {
      const parity = Number(s.labels.find((l) => l.name === 'i')!.value);
      expect(Array.from(s.timestampsMs)).toEqual(expected.filter((_, i) => i % 2 === parity));
    }
    expect(out.series.length).toBe(2);
  });

  it('stamps points without a time with now', () => {
    const out = otlpMetricsToSeries(one({ name: 'g', description: '', unit: '', data: { type: 'gauge', points: [{ attributes: [], startTimeNs: 0n, timeNs: 0n, flags: 0, value: 1 }] } }), {
      nowMs: NOW,
      deltas: new DeltaAccumulator(),
      tenant: 't',
    });
    expect(out.series[0]!.timestampsMs[0]).toBe(NOW);
  });
});

describe('DeltaAccumulator', () => {
  it('refuses new series once full but keeps adding to known ones', () => {
    const acc = new DeltaAccumulator(1);
    expect(acc.add('a', [1])).toEqual([1]);
    expect(acc.add('b', [1])).toBeUndefined();
    expect(acc.add('a', [2])).toEqual([3]);
  });
});
