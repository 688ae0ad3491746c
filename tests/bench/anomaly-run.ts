/**
 * `npm run bench -- --workload anomaly`: the quality benchmark of the anomaly model (issue 7).
 * Generates a seeded, labelled set of realistic series (14 days of training and 2 days of test at
 * a 60 s step; four shapes), injects labelled anomalies into the test window (spikes, level shifts,
 * trend changes, a missing daily peak) and, unlabelled, incidents, spikes and gaps into the
 * training window, then runs what an anomaly alarm does: refit the model on the trailing 14 days,
 * band of k σ, M of N datapoints outside. Prints recall and precision per kind, fit time per series
 * and evaluation time as Markdown. The evaluator refits hourly; the default here is every 6 h so
 * that 200 series run in about a minute (`--refit-hours 1` reproduces the evaluator exactly).
 *
 * Scoring.
 * 1. An event is detected when the alarm is in ALARM at any evaluation inside its detection window
 *    (spikes and missing peaks: the anomaly itself; level shifts: its first 2 h; trend changes: its
 *    first 24 h), plus a grace of N steps.
 * 2. An alarm episode (a maximal run of evaluations in ALARM) that overlaps no labelled range (the
 *    anomaly's whole effect: shifts and trend changes last to the end of the test window)
 *    extended by N steps is a false positive. Precision counts labelled events, not episodes, on
 *    the true side: an event is a true positive when some episode overlaps its range. (Counting
 *    episodes would reward an alarm that flickers on a 3 σ level shift.)
 * 3. Each series carries one kind of anomaly (or none: control series), so a kind's precision is
 *    alarmed events / (alarmed events + false-positive episodes on the series of that kind). As a
 *    false positive is not really "of" a kind, the table also gives the strictest reading, with
 *    every false positive (control series included) counted against each kind, and the overall
 *    precision both by events and by episodes (episodes overlapping a label / all episodes).
 * 4. Spikes shorter than M points cannot make M of N by construction; they are reported on their own
 *    row ("spike < M points") and there counted as detected when every point of them is outside
 *    the band (what the band, not the alarm, sees).
 *
 * @example
 * npm run bench -- --workload anomaly --series 200 --seed 1 --k 3 --m 3 --n 5
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createPrng, type Prng } from './prng.js';

/**
 * The model is imported from source, so the benchmark needs no build of `@vigil/alerting` (whose
 * public index does not export it). The path is not a literal because the bench tsconfig's
 * `rootDir` would refuse a file outside it; the shape below is the contract of
 * `alerting/src/anomaly/index.ts` that this file uses.
 */
const ANOMALY_MODULE: string = '../../alerting/src/anomaly/index.js';
type AnomalyModel = object;
interface AnomalyApi {
  fitAnomalyModel(timestampsMs: ArrayLike<number>, values: ArrayLike<number>, options: { stepMs: number }): AnomalyModel | null;
  anomalyBand(model: AnomalyModel, timestampMs: number, value: number, k: number): { expected: number; lower: number; upper: number; score: number };
  isOutside(band: { lower: number; upper: number }, value: number, direction: 'above' | 'below' | 'outside'): boolean;
}
let api: AnomalyApi;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const TRAIN_DAYS = 14;
const TEST_DAYS = 2;
/** Monday 2026-11-02 00:00 UTC: the series start here, so the test window is a Monday and Tuesday. */
const START_MS = Date.UTC(2026, 10, 2);

const SHAPES = ['web', 'cpu', 'disk', 'counter'] as const;
type ShapeName = (typeof SHAPES)[number];
const KINDS = ['spike', 'level_shift', 'trend_change', 'missing_seasonality', 'none'] as const;
type InjectedKind = (typeof KINDS)[number];
type ReportKind = Exclude<InjectedKind, 'none'> | 'short_spike';

/** One series' clean shape: the expected value, the noise σ at a time, and a noise draw. */
interface Shape {
  name: ShapeName;
  /** The clean value at `tMs`; without the daily peak when `noPeak`. */
  mu(tMs: number, noPeak: boolean): number;
  /** Standard deviation of the noise around `mu(t)`, in the series' unit. */
  sigma(tMs: number): number;
  /** A noisy observation around `mean` (which includes any injected effect). */
  observe(mean: number, tMs: number, rng: Prng): number;
  /** The daily peak's window, hours of the day (UTC). */
  peakHours: [number, number];
}

/** A labelled anomaly in the test window. */
interface LabelledEvent {
  kind: ReportKind;
  series: number;
  /** The anomaly's whole effect (precision), ms, end exclusive. */
  startMs: number;
  endMs: number;
  /** Where the alarm must fire to count it detected (before the grace), ms, end exclusive. */
  detectEndMs: number;
  detected: boolean;
  /** Some alarm episode overlaps `[startMs, endMs)` plus the grace. */
  alarmed: boolean;
  /** Size in local σ (signed; trend changes: per 12 h; missing peaks: NaN). */
  sizeSigmas: number;
}

function hourOfDay(tMs: number): number {
  return ((tMs % DAY_MS) + DAY_MS) % DAY_MS / HOUR_MS;
}

/** UTC day of the week, 0 = Sunday. */
function weekday(tMs: number): number {
  return new Date(tMs).getUTCDay();
}

const bump = (h: number, centre: number, width: number) => Math.exp(-(((h - centre) / width) ** 2));
const between = (rng: Prng, lo: number, hi: number) => lo + (hi - lo) * rng.next();

/** A Student-t draw with 5 degrees of freedom scaled to unit variance (CPU noise is heavy-tailed). */
function t5(rng: Prng): number {
  let chi = 0;
  for (let i = 0; i < 5; i++) chi += rng.normal() ** 2;
  return rng.normal() / Math.sqrt(chi / 5) / Math.sqrt(5 / 3);
}

/** A Poisson draw (Knuth below 30, rounded normal above). */
function poisson(mean: number, rng: Prng): number {
  if (mean >= 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

function createShape(name: ShapeName, rng: Prng): Shape {
  switch (name) {
    case 'web': {
      // Requests/s: daily cycle peaking at 14:00, weekends at 55 %, slow growth, multiplicative noise.
      const base = between(rng, 200, 5000);
      const growthPerDay = between(rng, 0, 0.01);
      const cv = between(rng, 0.02, 0.05);
      const mu = (t: number, noPeak: boolean) => {
        const h = hourOfDay(t);
        const daily = noPeak ? 0.35 : 0.35 + 0.65 * bump(h, 14, 4) + 0.1 * bump(h, 9, 1.2);
        const week = weekday(t) === 0 || weekday(t) === 6 ? 0.55 : 1;
        return base * daily * week * (1 + (growthPerDay * (t - START_MS)) / DAY_MS);
      };
      return { name, mu, sigma: (t) => cv * mu(t, false), observe: (m, _t, r) => m * (1 + cv * r.normal()), peakHours: [12, 16] };
    }
    case 'cpu': {
      // CPU %: daily cycle, a cron job for the first 3 minutes of every hour, heavy-tailed noise.
      const base = between(rng, 20, 50);
      const amplitude = base * between(rng, 0.2, 0.5);
      const cron = between(rng, 3, 8);
      const sd = between(rng, 1.5, 4);
      const mu = (t: number, noPeak: boolean) => {
        const h = hourOfDay(t);
        const minute = Math.floor((t % HOUR_MS) / MINUTE_MS);
        return base + (noPeak ? 0 : amplitude * bump(h, 15, 3)) + (minute < 3 ? cron : 0);
      };
      return { name, mu, sigma: () => sd, observe: (m, _t, r) => m + sd * t5(r), peakHours: [13, 17] };
    }
    case 'disk': {
      // Disk used %: a steady fill, a nightly backup that writes a staging copy 02:00–02:30.
      const start = between(rng, 30, 60);
      const slopePerDay = between(rng, 0.3, 1.5);
      const backup = between(rng, 1, 3);
      const sd = between(rng, 0.05, 0.2);
      const mu = (t: number, noPeak: boolean) => {
        const h = hourOfDay(t);
        return start + (slopePerDay * (t - START_MS)) / DAY_MS + (!noPeak && h >= 2 && h < 2.5 ? backup : 0);
      };
      return { name, mu, sigma: () => sd, observe: (m, _t, r) => m + sd * r.normal(), peakHours: [2, 2.5] };
    }
    case 'counter': {
      // rate(x_total[1m]) of a low-volume counter: Poisson counts per minute, daily and weekly cycle.
      const base = between(rng, 0.5, 50);
      const mu = (t: number, noPeak: boolean) => {
        const h = hourOfDay(t);
        const daily = noPeak ? 0.35 : 0.35 + 0.65 * bump(h, 11, 3);
        const week = weekday(t) === 0 || weekday(t) === 6 ? 0.6 : 1;
        return base * daily * week;
      };
      return {
        name,
        mu,
        sigma: (t) => Math.sqrt(mu(t, false) / 60),
        observe: (m, _t, r) => poisson(Math.max(0, m) * 60, r) / 60,
        peakHours: [9, 13],
      };
    }
    default:
      throw new Error(`unknown shape ${String(name satisfies never)}`);
  }
}

/** One generated series: values at every step over training and test, and its labelled events. */
interface GeneratedSeries {
  shape: ShapeName;
  kind: InjectedKind;
  timesMs: Float64Array;
  values: Float64Array;
  events: LabelledEvent[];
}

/**
 * Series `index` of the workload for `seed`: its shape, its kind of injected anomaly, values every
 * `stepMs` over training and test (NaN for gaps) and its labelled events. Deterministic; exported
 * so that a single series can be inspected while tuning.
 */
export function generateSeries(index: number, seed: number, stepMs: number, m: number): GeneratedSeries {
  const rng = createPrng((seed * 1_000_003 + index * 7919) >>> 0);
  const shapeName = SHAPES[index % SHAPES.length]!;
  const kind = KINDS[Math.floor(index / SHAPES.length) % KINDS.length]!;
  const shape = createShape(shapeName, rng);
  const steps = Math.round(((TRAIN_DAYS + TEST_DAYS) * DAY_MS) / stepMs);
  const testStartMs = START_MS + TRAIN_DAYS * DAY_MS;
  const endMs = START_MS + steps * stepMs;
  const timesMs = new Float64Array(steps);
  for (let i = 0; i < steps; i++) timesMs[i] = START_MS + i * stepMs;
  const stepAt = (tMs: number) => Math.floor((tMs - START_MS) / stepMs);
  /** Additive effects on the mean, in σ units at each step (level shifts, incidents, spikes). */
  const offsetSigmas = new Float64Array(steps);
  const noPeak = new Uint8Array(steps);
  const events: LabelledEvent[] = [];

  // Unlabelled trouble in the training window, which real history always has: an incident of
  // 30–180 min at 5–10 σ (60 % of series), eight spikes, a 2 h scrape gap and 0.5 % lost points.
  if (rng.next() < 0.6) {
    const from = stepAt(START_MS + between(rng, 1, TRAIN_DAYS - 1) * DAY_MS);
    const length = Math.round(between(rng, 30, 180) * (MINUTE_MS / stepMs));
    const size = between(rng, 5, 10) * (rng.next() < 0.5 ? -1 : 1);
    for (let i = from; i < Math.min(from + length, steps); i++) offsetSigmas[i] = offsetSigmas[i]! + size;
  }
  for (let s = 0; s < 8; s++) {
    const from = stepAt(START_MS + between(rng, 0.1, TRAIN_DAYS - 0.1) * DAY_MS);
    const length = 1 + rng.nextInt(5);
    for (let i = from; i < from + length; i++) offsetSigmas[i] = offsetSigmas[i]! + between(rng, 5, 15);
  }
  const gapFrom = stepAt(START_MS + between(rng, 1, TRAIN_DAYS - 1) * DAY_MS);
  const gapTo = gapFrom + Math.round((2 * HOUR_MS) / stepMs);

  // The labelled anomalies in the test window.
  let trendFromMs = Number.POSITIVE_INFINITY;
  let trendSigmasPer12h = 0;
  switch (kind) {
    case 'spike': {
      // Three spikes at least 6 h apart, 1–10 points, 4–10 σ, one in three downward where the
      // series has room below.
      for (let s = 0; s < 3; s++) {
        const startMs = testStartMs + Math.floor((between(rng, 1, 15) + 16 * s) * (HOUR_MS / stepMs)) * stepMs;
        const length = 1 + rng.nextInt(10);
        const down = rng.next() < 1 / 3 && shape.mu(startMs, false) > 12 * shape.sigma(startMs);
        const size = between(rng, 4, 10) * (down ? -1 : 1);
        for (let i = stepAt(startMs); i < stepAt(startMs) + length; i++) offsetSigmas[i] = offsetSigmas[i]! + size;
        const spikeEndMs = startMs + length * stepMs;
        events.push({ kind: length >= m ? 'spike' : 'short_spike', series: index, startMs, endMs: spikeEndMs, detectEndMs: spikeEndMs, detected: false, alarmed: false, sizeSigmas: size });
      }
      break;
    }
    case 'level_shift': {
      // A step of 3–6 σ (up or down) that persists to the end of the test window.
      const startMs = testStartMs + Math.floor(between(rng, 2, 36) * (HOUR_MS / stepMs)) * stepMs;
      const down = rng.next() < 0.5 && shape.mu(startMs, false) > 12 * shape.sigma(startMs);
      const size = between(rng, 3, 6) * (down ? -1 : 1);
      for (let i = stepAt(startMs); i < steps; i++) offsetSigmas[i] = offsetSigmas[i]! + size;
      events.push({ kind: 'level_shift', series: index, startMs, endMs, detectEndMs: startMs + 2 * HOUR_MS, detected: false, alarmed: false, sizeSigmas: size });
      break;
    }
    case 'trend_change': {
      // A new slope on top of the old one: 3–6 σ further away every 12 h, growing to the end.
      trendFromMs = testStartMs + Math.floor(between(rng, 2, 24) * (HOUR_MS / stepMs)) * stepMs;
      trendSigmasPer12h = between(rng, 3, 6) * (rng.next() < 0.5 && shapeName !== 'disk' ? -1 : 1);
      events.push({ kind: 'trend_change', series: index, startMs: trendFromMs, endMs, detectEndMs: trendFromMs + 24 * HOUR_MS, detected: false, alarmed: false, sizeSigmas: trendSigmasPer12h });
      break;
    }
    case 'missing_seasonality': {
      // On one of the two test days the daily peak does not happen.
      const day = testStartMs + rng.nextInt(TEST_DAYS) * DAY_MS;
      const startMs = day + shape.peakHours[0] * HOUR_MS;
      const peakEndMs = day + shape.peakHours[1] * HOUR_MS;
      for (let i = stepAt(startMs); i < stepAt(peakEndMs); i++) noPeak[i] = 1;
      events.push({ kind: 'missing_seasonality', series: index, startMs, endMs: peakEndMs, detectEndMs: peakEndMs, detected: false, alarmed: false, sizeSigmas: Number.NaN });
      break;
    }
    case 'none':
      break;
    default:
      throw new Error(`unknown kind ${String(kind satisfies never)}`);
  }

  const values = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const t = timesMs[i]!;
    if ((i >= gapFrom && i < gapTo) || rng.next() < 0.005) {
      values[i] = Number.NaN;
      continue;
    }
    const sigma = shape.sigma(t);
    let mean = shape.mu(t, noPeak[i] === 1) + offsetSigmas[i]! * sigma;
    if (t >= trendFromMs) mean += (trendSigmasPer12h * sigma * (t - trendFromMs)) / (12 * HOUR_MS);
    values[i] = shape.observe(mean, t, rng);
  }
  return { shape: shapeName, kind, timesMs, values, events };
}

interface Episode {
  series: number;
  startMs: number;
  endMs: number;
}

interface SeriesResult {
  episodes: Episode[];
  /** 1 where the datapoint was outside the band. */
  breaching: Uint8Array;
  fitMs: number[];
  evalMs: number;
  evaluations: number;
  /** Models that came back null. */
  unfitted: number;
}

/** Runs the alarm over the test window of one series: refit every `refitMs`, band k, M of N. */
function runAlarm(series: GeneratedSeries, index: number, stepMs: number, k: number, m: number, n: number, refitMs: number): SeriesResult {
  const testStartMs = START_MS + TRAIN_DAYS * DAY_MS;
  const first = Math.round((testStartMs - START_MS) / stepMs);
  const { timesMs, values } = series;
  const breaching = new Uint8Array(values.length);
  const episodes: Episode[] = [];
  const fitMs: number[] = [];
  let model: AnomalyModel | null = null;
  let fittedAtMs = Number.NEGATIVE_INFINITY;
  let evalMs = 0;
  let evaluations = 0;
  let unfitted = 0;
  let open: Episode | null = null;
  for (let i = first; i < values.length; i++) {
    const t = timesMs[i]!;
    if (t - fittedAtMs >= refitMs) {
      // Train on the trailing 14 days that end just before the refit, as the evaluator does.
      const from = Math.max(0, i - Math.round((TRAIN_DAYS * DAY_MS) / stepMs));
      // CPU time, not wall time: the figure should not depend on what else the machine runs.
      const started = process.cpuUsage();
      model = api.fitAnomalyModel(timesMs.subarray(from, i), values.subarray(from, i), { stepMs });
      const used = process.cpuUsage(started);
      fitMs.push((used.user + used.system) / 1000);
      if (model === null) unfitted++;
      fittedAtMs = t;
    }
    const started = performance.now();
    const v = values[i]!;
    breaching[i] = model !== null && !Number.isNaN(v) && api.isOutside(api.anomalyBand(model, t, v, k), v, 'outside') ? 1 : 0;
    let count = 0;
    for (let j = Math.max(first, i - n + 1); j <= i; j++) count += breaching[j]!;
    const alarm = count >= m;
    evalMs += performance.now() - started;
    evaluations++;
    if (alarm && open === null) open = { series: index, startMs: t, endMs: t + stepMs };
    else if (alarm && open !== null) open.endMs = t + stepMs;
    else if (!alarm && open !== null) {
      episodes.push(open);
      open = null;
    }
  }
  if (open !== null) episodes.push(open);
  return { episodes, breaching, fitMs, evalMs, evaluations, unfitted };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

/** Parses the options, runs the benchmark, prints Markdown; returns the exit code (0, or 2 on bad options). */
export async function runAnomalyBenchmark(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        series: { type: 'string', default: '200' },
        seed: { type: 'string', default: '1' },
        k: { type: 'string', default: '3' },
        m: { type: 'string', default: '3' },
        n: { type: 'string', default: '5' },
        'step-seconds': { type: 'string', default: '60' },
        'refit-hours': { type: 'string', default: '6' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(
      'npm run bench -- --workload anomaly [--series 200] [--seed 1] [--k 3] [--m 3] [--n 5] [--step-seconds 60] [--refit-hours 6]\n',
    );
    return 0;
  }
  const seriesCount = Number(values.series);
  const seed = Number(values.seed);
  const k = Number(values.k);
  const m = Number(values.m);
  const n = Number(values.n);
  const stepMs = Number(values['step-seconds']) * 1000;
  const refitMs = Number(values['refit-hours']) * HOUR_MS;
  if (![seriesCount, seed, k, m, n, stepMs, refitMs].every((x) => Number.isFinite(x) && x > 0) || m > n) {
    process.stderr.write('--series, --seed, --k, --m, --n, --step-seconds and --refit-hours must be positive numbers, with m ≤ n\n');
    return 2;
  }

  api = (await import(ANOMALY_MODULE)) as AnomalyApi;
  const allEvents: LabelledEvent[] = [];
  const allEpisodes: Episode[] = [];
  const fitTimes: number[] = [];
  const seriesKind: InjectedKind[] = [];
  let evalMs = 0;
  let evaluations = 0;
  let unfitted = 0;
  const graceMs = n * stepMs;
  const started = performance.now();
  for (let s = 0; s < seriesCount; s++) {
    const series = generateSeries(s, seed, stepMs, m);
    seriesKind.push(series.kind);
    const result = runAlarm(series, s, stepMs, k, m, n, refitMs);
    fitTimes.push(...result.fitMs);
    evalMs += result.evalMs;
    evaluations += result.evaluations;
    unfitted += result.unfitted;
    for (const e of series.events) {
      if (e.kind === 'short_spike') {
        // What the band sees: every point of the spike outside it (rule 4 of the module comment).
        e.detected = true;
        for (let t = e.startMs; t < e.endMs; t += stepMs) {
          const i = Math.round((t - START_MS) / stepMs);
          if (!Number.isNaN(series.values[i]!) && result.breaching[i] !== 1) e.detected = false;
        }
      } else {
        e.detected = result.episodes.some((ep) => ep.startMs < e.detectEndMs + graceMs && ep.endMs > e.startMs);
      }
    }
    allEvents.push(...series.events);
    allEpisodes.push(...result.episodes);
  }
  const wallS = (performance.now() - started) / 1000;
  if (process.env.ANOMALY_BENCH_DEBUG) {
    for (const e of allEvents.filter((x) => !x.detected)) {
      process.stderr.write(`missed ${e.kind} series ${e.series} (${SHAPES[e.series % SHAPES.length]}) ${fmt(e.sizeSigmas, 1)} σ, ${(e.endMs - e.startMs) / stepMs} steps\n`);
    }
  }

  // Classify episodes: those overlapping no labelled range (plus grace) are false positives.
  const eventsBySeries = new Map<number, LabelledEvent[]>();
  for (const e of allEvents) eventsBySeries.set(e.series, [...(eventsBySeries.get(e.series) ?? []), e]);
  const fpBySeriesKind = new Map<InjectedKind, number>();
  let fp = 0;
  for (const ep of allEpisodes) {
    const hits = (eventsBySeries.get(ep.series) ?? []).filter((e) => ep.startMs < e.endMs + graceMs && ep.endMs > e.startMs);
    for (const e of hits) e.alarmed = true;
    if (hits.length === 0) {
      fp++;
      if (process.env.ANOMALY_BENCH_DEBUG) {
        const hour = ((ep.startMs - START_MS) % DAY_MS) / HOUR_MS;
        process.stderr.write(`FP series ${ep.series} (${SHAPES[ep.series % SHAPES.length]}, ${seriesKind[ep.series]}) day ${Math.floor((ep.startMs - START_MS) / DAY_MS)} ${hour.toFixed(2)} h, ${(ep.endMs - ep.startMs) / stepMs} steps\n`);
      }
      const kind = seriesKind[ep.series]!;
      fpBySeriesKind.set(kind, (fpBySeriesKind.get(kind) ?? 0) + 1);
    }
  }

  const rows: string[] = [];
  const reportKinds: ReportKind[] = ['spike', 'level_shift', 'trend_change', 'missing_seasonality', 'short_spike'];
  const label: Record<ReportKind, string> = {
    spike: `spike (${m}–10 points)`,
    short_spike: `spike < ${m} points (band only)`,
    level_shift: 'level shift',
    trend_change: 'trend change',
    missing_seasonality: 'missing daily peak',
  };
  let tpAll = 0;
  let detectedAll = 0;
  let eventsAll = 0;
  for (const kind of reportKinds) {
    const events = allEvents.filter((e) => e.kind === kind);
    const detected = events.filter((e) => e.detected).length;
    if (kind === 'short_spike') {
      rows.push(`| ${label[kind]} | ${events.length} | ${detected} | ${fmt(detected / events.length)} | – | – | – | – |`);
      continue;
    }
    const tp = events.filter((e) => e.alarmed).length;
    tpAll += tp;
    detectedAll += detected;
    eventsAll += events.length;
    const ownFp = fpBySeriesKind.get(kind) ?? 0;
    rows.push(`| ${label[kind]} | ${events.length} | ${detected} | ${fmt(detected / events.length)} | ${tp} | ${ownFp} | ${fmt(tp / (tp + ownFp))} | ${fmt(tp / (tp + fp))} |`);
  }
  rows.push(`| no anomaly (control series) | 0 | – | – | – | ${fpBySeriesKind.get('none') ?? 0} | – | – |`);
  rows.push(`| **all (alarm-detectable kinds)** | ${eventsAll} | ${detectedAll} | ${fmt(detectedAll / eventsAll)} | ${tpAll} | ${fp} | ${fmt(tpAll / (tpAll + fp))} | ${fmt(tpAll / (tpAll + fp))} |`);

  const cpu = cpus();
  const out = [
    `## Anomaly model quality: ${seriesCount} series, seed ${seed}, band k=${k}, ${m} of ${n}, step ${stepMs / 1000} s, refit every ${refitMs / HOUR_MS} h`,
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}/${process.arch}`,
    '',
    '| kind | events | detected | recall | alarmed events (TP) | FP episodes on these series | precision | precision, every FP counted |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Alarm episodes: ${allEpisodes.length}, of which ${fp} false positives (${seriesCount} series × ${TEST_DAYS} days): episode precision ${fmt(1 - fp / allEpisodes.length, 3)}.`,
    `Fit (CPU time): ${fitTimes.length} fits of up to ${Math.round((TRAIN_DAYS * DAY_MS) / stepMs)} points, median ${fmt(median(fitTimes))} ms, p95 ${fmt(quantile(fitTimes, 0.95))} ms, max ${fmt(Math.max(...fitTimes))} ms; ${unfitted} returned null.`,
    `Evaluation (band + M of N): ${fmt((evalMs * 1e6) / evaluations, 0)} ns per datapoint, ${fmt(evalMs / seriesCount)} ms per series for ${TEST_DAYS} days. Wall time ${fmt(wallS, 1)} s.`,
    '',
  ];
  process.stdout.write(out.join('\n'));
  return 0;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
