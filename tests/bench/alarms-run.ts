/**
 * `npm run bench -- --workload alarms`: the evaluation-cost benchmark of issue 7. Starts Vigil
 * fresh, writes `--series` series over remote_write (30 minutes of history at the alarm period,
 * values so that a few percent breach), creates `--alarms` threshold alarms that together cover
 * every series (two levels, 2 of 3 datapoints), lets the evaluator run, and measures the server
 * process' CPU seconds per evaluation round (from /proc), plus the evaluator's own timings from
 * /metrics. The target is under 5 CPU seconds per minute for 10,000 alarm series evaluated every
 * minute, i.e. per round at a 60 s period.
 *
 * @example
 * npm run bench -- --workload alarms --series 10000 --alarms 10 --period 10 --rounds 6
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { processCpuSeconds } from './measure.js';
import { cleanUpNow, sleep } from './peers/process.js';
import { createVigilPeer, DEFAULT_VIGIL_BIN } from './peers/vigil.js';
import { encodeLabelFields, encodeWriteRequest } from './remote-write-encoder.js';
import { compressSync } from 'snappy';

/** Issue 7's target: CPU seconds per minute for 10,000 alarm series evaluated every minute. */
export const ALARM_CPU_TARGET_SECONDS = 5;

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Deterministic value of series `i` at time `t`: mostly 20–70, a few percent above 80 or 95. */
function seriesValue(i: number, t: number): number {
  const x = Math.sin(i * 12.9898 + Math.floor(t / 60_000) * 78.233) * 43758.5453;
  const u = x - Math.floor(x);
  return u > 0.97 ? 99 : u > 0.94 ? 85 : 20 + 50 * u;
}

export async function runAlarmsBenchmark(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      series: { type: 'string', default: '10000' },
      alarms: { type: 'string', default: '10' },
      period: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '6' },
      'vigil-bin': { type: 'string', default: DEFAULT_VIGIL_BIN },
    },
  });
  const series = Number(values.series);
  const alarms = Number(values.alarms);
  const periodS = Number(values.period);
  const rounds = Number(values.rounds);
  const peer = createVigilPeer({ bin: values['vigil-bin'] });
  const why = peer.unavailableReason();
  if (why) {
    process.stderr.write(`${why}\n`);
    return 1;
  }
  const vigil = await peer.start();
  try {
    const headers = { ...vigil.authHeaders, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };
    const now = Date.now();
    const p = periodS * 1000;
    const start = Math.floor((now - 30 * 60_000) / p) * p;
    log(`writing ${series} series × ${Math.round((now - start) / p)} samples`);
    const labelFields = Array.from({ length: series }, (_, i) =>
      encodeLabelFields([
        { name: '__name__', value: 'bench_alarm_value' },
        { name: 'group', value: `g${i % alarms}` },
        { name: 'instance', value: `host-${i}` },
      ]),
    );
    const push = async (from: number, to: number) => {
      for (let lo = 0; lo < series; lo += 1000) {
        const batch = [];
        for (let i = lo; i < Math.min(series, lo + 1000); i++) {
          const ts: number[] = [];
          const vs: number[] = [];
          for (let t = from; t <= to; t += p) {
            ts.push(t);
            vs.push(seriesValue(i, t));
          }
          batch.push({ labelFields: labelFields[i]!, timestampsMs: ts, values: vs });
        }
        const res = await fetch(`${vigil.baseUrl}/api/v1/write`, { method: 'POST', headers, body: compressSync(encodeWriteRequest(batch)) });
        if (!res.ok) throw new Error(`remote_write: HTTP ${res.status} ${await res.text()}`);
      }
    };
    await push(start, Math.floor(now / p) * p);
    for (let g = 0; g < alarms; g++) {
      const body = {
        name: `bench-${g}`,
        query: `bench_alarm_value{group="g${g}"}`,
        periodSeconds: periodS,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        levels: [
          { severity: 'warning', threshold: 80 },
          { severity: 'critical', threshold: 95 },
        ],
        annotations: { summary: '{{ $labels.instance }} is at {{ $value }}' },
      };
      const res = await fetch(`${vigil.baseUrl}/api/v1/alarms`, {
        method: 'POST',
        headers: { ...vigil.authHeaders, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`creating alarm: HTTP ${res.status} ${await res.text()}`);
    }
    // The first round creates every instance (one row each); it is reported on its own.
    const metrics = async () => {
      const text = await (await fetch(`${vigil.baseUrl}/metrics`, { headers: vigil.authHeaders })).text();
      const get = (name: string) => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').filter((l) => l.startsWith(`${name} `)).join('\n'))?.[2] ?? Number.NaN);
      return { evalSum: get('vigil_alarm_evaluation_duration_seconds_sum'), evalCount: get('vigil_alarm_evaluation_duration_seconds_count'), evaluated: get('vigil_alarm_evaluated_series_total') };
    };
    const waitRound = async (count: number) => {
      const deadline = Date.now() + 10 * p + 60_000;
      while (Date.now() < deadline) {
        if ((await metrics()).evalCount >= count) return;
        await sleep(200);
      }
      throw new Error(`the evaluator did not complete ${count} evaluations in time`);
    };
    const pid = vigil.process.pid;
    const cpu0 = processCpuSeconds(pid) ?? Number.NaN;
    await waitRound(alarms);
    const cpuFirst = (processCpuSeconds(pid) ?? Number.NaN) - cpu0;
    const perRound: number[] = [];
    const wall: number[] = [];
    for (let r = 2; r <= rounds + 1; r++) {
      // Keep the data live (one sample per series per period), as agents would.
      const t = Math.floor(Date.now() / p) * p;
      await push(t, t);
      const before = processCpuSeconds(pid) ?? Number.NaN;
      const m0 = await metrics();
      await waitRound(alarms * r);
      const m1 = await metrics();
      perRound.push((processCpuSeconds(pid) ?? Number.NaN) - before);
      wall.push(m1.evalSum - m0.evalSum);
      log(`round ${r}: ${(m1.evaluated - m0.evaluated).toFixed(0)} series, evaluator wall ${(m1.evalSum - m0.evalSum).toFixed(2)} s`);
    }
    const cpuMedian = median(perRound);
    const lines = [
      `## Alarm evaluation cost (${series} series, ${alarms} alarms, period ${periodS}s)`,
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${loadavg()[0]?.toFixed(2)}; Vigil ${vigil.version}.`,
      '',
      '| measure | value |',
      '|---|---|',
      `| first round (creates ${series} instances) CPU s | ${cpuFirst.toFixed(2)} |`,
      `| CPU s per round, median of ${perRound.length} (incl. one remote_write of ${series} samples) | ${cpuMedian.toFixed(2)} |`,
      `| evaluator wall s per round, median | ${median(wall).toFixed(2)} |`,
      `| CPU s per minute at a 60 s period (= per round) | ${cpuMedian.toFixed(2)} (target < ${ALARM_CPU_TARGET_SECONDS}) |`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return cpuMedian < ALARM_CPU_TARGET_SECONDS ? 0 : 1;
  } finally {
    await vigil.close();
    cleanUpNow();
  }
}
