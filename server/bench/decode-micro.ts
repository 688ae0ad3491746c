/**
 * In-process timing of the Influx and OTLP/JSON decoders on requests shaped like `npm run bench`'s
 * (one request: 1,000 hosts × 10 CPU fields, or 1,000 series × 10 points; ~10,000 samples), no
 * HTTP, no storage. Prints the median over rounds of µs per sample for each stage:
 *
 *   cd server && npx tsx bench/decode-micro.ts [--rounds 9]
 *
 * The figures of docs/benchmarks.md ("Other ingest protocols": Influx conversion, OTLP/JSON
 * decoding) come from this script. It measures wall time in one process; run it on a quiet
 * machine and compare medians.
 */
import { parseArgs } from 'node:util';
import { parseLineProtocol } from '../src/ingest/influx/line-protocol.js';
import { influxPointsToSeries } from '../src/ingest/influx/to-series.js';
import { decodeMetricsJson, decodeMetricsJsonGeneral } from '../src/ingest/otlp/decode-json.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' } } });
const ROUNDS = Number(values.rounds);
const REQUESTS = 20;
const SAMPLES = 10_000;

const FIELDS = ['usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice'];
/** One line per host, tags sorted, ten float fields: what Telegraf sends. */
function influxRequest(t: number): string {
  let out = '';
  for (let h = 0; h < 1000; h++) {
    const tags = `arch=x64,datacenter=us-east-1a,hostname=host_${h},os=Ubuntu16.10,rack=${h % 100},region=us-east-1,service=${h % 20},team=SF`;
    out += `cpu,${tags} ${FIELDS.map((f, i) => `${f}=${(((h * 31 + i * 7 + t) % 1000) / 9.7).toString()}`).join(',')} ${t}\n`;
  }
  return out;
}

/** One gauge, 1,000 series of ten string attributes, ten points each (times as strings). */
function otlpJsonRequest(t: number): Buffer {
  const points: unknown[] = [];
  for (let h = 0; h < 1000; h++) {
    const attributes = Array.from({ length: 10 }, (_, i) => ({ key: `tag_${i}`, value: { stringValue: `host_${h}_value_${i % 3}` } }));
    for (let k = 0; k < 10; k++) points.push({ attributes, timeUnixNano: `${t + k * 10_000}000000`, asDouble: 37.48291837465382 + h + k / 7 });
  }
  return Buffer.from(JSON.stringify({ resourceMetrics: [{ resource: {}, scopeMetrics: [{ scope: {}, metrics: [{ name: 'cpu_usage_user', gauge: { dataPoints: points } }] }] }] }));
}

const T0 = 1_733_500_800_000;
const influx = Array.from({ length: REQUESTS }, (_, i) => influxRequest(T0 + i * 10_000));
const otlp = Array.from({ length: REQUESTS }, (_, i) => otlpJsonRequest(T0 + i * 100_000));
const labelCache = new Map();

function round(): Record<string, number> {
  const spent = { 'influx parse': 0, 'influx convert': 0, 'otlp-json scanner': 0, 'otlp-json JSON.parse path': 0 };
  for (let i = 0; i < REQUESTS; i++) {
    let t = performance.now();
    const { points } = parseLineProtocol(influx[i]!);
    spent['influx parse'] += performance.now() - t;
    t = performance.now();
    influxPointsToSeries(points, 'ms', T0, labelCache);
    spent['influx convert'] += performance.now() - t;
    t = performance.now();
    decodeMetricsJson(otlp[i]!);
    spent['otlp-json scanner'] += performance.now() - t;
    t = performance.now();
    decodeMetricsJsonGeneral(otlp[i]!.toString('utf8'));
    spent['otlp-json JSON.parse path'] += performance.now() - t;
  }
  return Object.fromEntries(Object.entries(spent).map(([k, ms]) => [k, (ms * 1000) / (REQUESTS * SAMPLES)]));
}

for (let i = 0; i < 3; i++) round(); // warm-up
const rounds = Array.from({ length: ROUNDS }, round);
console.log(`µs per sample, median of ${ROUNDS} rounds of ${REQUESTS} requests × ${SAMPLES} samples:`);
for (const stage of Object.keys(rounds[0]!)) {
  const sorted = rounds.map((r) => r[stage]!).sort((a, b) => a - b);
  console.log(`  ${stage.padEnd(28)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)}`);
}
