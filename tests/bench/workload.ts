import { createPrng, type Prng } from './prng.js';

/**
 * The TSBS "devops cpu-only" workload, shaped for Prometheus: one host has ten `cpu_usage_*`
 * gauges, each carrying the ten TSBS host tags. Values are clamped random walks (TSBS `CWD`: start
 * uniform in [0, 100], step normal(0, 1), clamp to [0, 100]) kept at full double precision, which is
 * the hard case for Gorilla-style compression.
 *
 * Everything is derived from the seed: host `i`'s tags and series `j`'s values do not depend on how
 * many hosts there are, so a small run is a prefix of a large one.
 */

/** The ten metrics of one host, in TSBS field order. */
export const CPU_METRIC_NAMES = [
  'cpu_usage_user',
  'cpu_usage_system',
  'cpu_usage_idle',
  'cpu_usage_nice',
  'cpu_usage_iowait',
  'cpu_usage_irq',
  'cpu_usage_softirq',
  'cpu_usage_steal',
  'cpu_usage_guest',
  'cpu_usage_guest_nice',
] as const;

/** The ten TSBS host tags (`MachineTagKeys`), in TSBS order. */
export const HOST_TAG_NAMES = [
  'hostname',
  'region',
  'datacenter',
  'rack',
  'os',
  'arch',
  'team',
  'service',
  'service_version',
  'service_environment',
] as const;

/** A selector that matches every series of the workload and nothing else. */
export const WORKLOAD_MATCHER = '{__name__=~"cpu_usage_.*"}';

const REGIONS: ReadonlyArray<{ name: string; datacenters: readonly string[] }> = [
  { name: 'us-east-1', datacenters: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1e'] },
  { name: 'us-west-1', datacenters: ['us-west-1a', 'us-west-1b'] },
  { name: 'us-west-2', datacenters: ['us-west-2a', 'us-west-2b', 'us-west-2c'] },
  { name: 'eu-west-1', datacenters: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
  { name: 'eu-central-1', datacenters: ['eu-central-1a', 'eu-central-1b'] },
  { name: 'ap-southeast-1', datacenters: ['ap-southeast-1a', 'ap-southeast-1b'] },
  { name: 'ap-southeast-2', datacenters: ['ap-southeast-2a', 'ap-southeast-2b'] },
  { name: 'ap-northeast-1', datacenters: ['ap-northeast-1a', 'ap-northeast-1c'] },
  { name: 'sa-east-1', datacenters: ['sa-east-1a', 'sa-east-1b', 'sa-east-1c'] },
];
const TEAMS = ['SF', 'NYC', 'LON', 'CHI'] as const;
const OPERATING_SYSTEMS = ['Ubuntu16.10', 'Ubuntu16.04LTS', 'Ubuntu15.10'] as const;
const ARCHITECTURES = ['x64', 'x86'] as const;
const ENVIRONMENTS = ['production', 'staging', 'test'] as const;
const RACKS_PER_DATACENTER = 100;
const SERVICES = 20;
const SERVICE_VERSIONS = 2;

/** A label as remote_write carries it. */
export interface Label {
  name: string;
  value: string;
}

/** One series of the workload: a host and one of its metrics. */
export interface WorkloadSeries {
  /** Index into {@link Workload.hosts}. */
  hostIndex: number;
  /** Index into {@link CPU_METRIC_NAMES}. */
  metricIndex: number;
  /** The full label set including `__name__`, sorted by name. */
  labels: readonly Label[];
}

/** Options of {@link createWorkload}. */
export interface WorkloadOptions {
  /** Number of hosts. @default 1000 */
  hosts: number;
  /** Length of the covered time range in milliseconds. @default 6 h */
  durationMs: number;
  /** Distance between two samples of a series in milliseconds. @default 10 000 */
  intervalMs: number;
  /** Timestamp of the last sample, epoch milliseconds; rounded down to a multiple of `intervalMs`. */
  endMs: number;
  /** Seed of every random choice. @default 1 */
  seed: number;
}

/** The series and the time grid of a run; values come from {@link createValueWalkers}. */
export interface Workload {
  options: WorkloadOptions;
  /** Tags of each host, as label name → value. */
  hosts: ReadonlyArray<Readonly<Record<(typeof HOST_TAG_NAMES)[number], string>>>;
  /** All series, host-major: series `h * 10 + m` is metric `m` of host `h`. */
  series: readonly WorkloadSeries[];
  /** Timestamp of the first sample, epoch milliseconds. */
  startMs: number;
  /** Timestamp of the last sample, epoch milliseconds. */
  lastMs: number;
  /** Samples per series. */
  timestampCount: number;
  /** Total number of samples (`series.length * timestampCount`). */
  sampleCount: number;
}

/**
 * Builds the series of the workload and its time grid.
 *
 * @example
 * const w = createWorkload({ hosts: 10, durationMs: 3_600_000, intervalMs: 10_000, endMs: Date.now(), seed: 1 });
 * w.sampleCount; // 10 hosts × 10 metrics × 360 = 36 000
 */
export function createWorkload(options: WorkloadOptions): Workload {
  const timestampCount = Math.floor(options.durationMs / options.intervalMs);
  if (timestampCount < 1) throw new Error(`workload: duration ${options.durationMs} ms is shorter than one interval`);
  const lastMs = Math.floor(options.endMs / options.intervalMs) * options.intervalMs;
  const startMs = lastMs - (timestampCount - 1) * options.intervalMs;

  const hosts = Array.from({ length: options.hosts }, (_, i) => createHostTags(options.seed, i));
  const series: WorkloadSeries[] = [];
  hosts.forEach((tags, hostIndex) => {
    CPU_METRIC_NAMES.forEach((metric, metricIndex) => {
      const labels: Label[] = [{ name: '__name__', value: metric }];
      for (const name of HOST_TAG_NAMES) labels.push({ name, value: tags[name] });
      labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      series.push({ hostIndex, metricIndex, labels });
    });
  });
  return {
    options,
    hosts,
    series,
    startMs,
    lastMs,
    timestampCount,
    sampleCount: series.length * timestampCount,
  };
}

function createHostTags(seed: number, hostIndex: number): Record<(typeof HOST_TAG_NAMES)[number], string> {
  const rng = createPrng(mixSeed(seed, 0x686f7374, hostIndex));
  const pick = <T>(choices: readonly T[]): T => choices[rng.nextInt(choices.length)]!;
  const region = pick(REGIONS);
  return {
    hostname: `host_${hostIndex}`,
    region: region.name,
    datacenter: pick(region.datacenters),
    rack: String(rng.nextInt(RACKS_PER_DATACENTER)),
    os: pick(OPERATING_SYSTEMS),
    arch: pick(ARCHITECTURES),
    team: pick(TEAMS),
    service: String(rng.nextInt(SERVICES)),
    service_version: String(rng.nextInt(SERVICE_VERSIONS)),
    service_environment: pick(ENVIRONMENTS),
  };
}

/**
 * The value generators of all series. `next(seriesIndex)` returns the series' next value; call it
 * once per timestamp, in time order. Each series has its own generator, so the order in which
 * series are visited does not change the data.
 */
export interface ValueWalkers {
  next(seriesIndex: number): number;
}

/** Creates fresh value generators (the first call per series returns its first value). */
export function createValueWalkers(workload: Workload): ValueWalkers {
  const count = workload.series.length;
  const rngs: Prng[] = new Array(count);
  const current = new Float64Array(count);
  const started = new Uint8Array(count);
  for (let i = 0; i < count; i++) rngs[i] = createPrng(mixSeed(workload.options.seed, 0x76616c75, i));
  return {
    next(seriesIndex) {
      const rng = rngs[seriesIndex]!;
      if (started[seriesIndex] === 0) {
        started[seriesIndex] = 1;
        current[seriesIndex] = rng.next() * 100;
      } else {
        const stepped = current[seriesIndex]! + rng.normal();
        current[seriesIndex] = Math.min(100, Math.max(0, stepped));
      }
      return current[seriesIndex]!;
    },
  };
}

/** Combines a run seed, a stream tag and an index into one 32-bit seed. */
function mixSeed(seed: number, stream: number, index: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ stream;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) ^ index;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
