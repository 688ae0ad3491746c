import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_VIGIL_BIN } from './peers/vigil.js';
import { SYSTEM_NAMES, type SystemName } from './peers/types.js';
import { PROTOCOL_NAMES, type ProtocolName } from './protocols.js';
import { QUERY_NAMES, type QueryName } from './queries.js';

/** The parts of a run that can be chosen with `--phases`. */
export const PHASE_NAMES = ['ingest', 'query'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/** Everything a benchmark run can be told; defaults are applied in {@link parseBenchOptions} only. */
export interface BenchOptions {
  /** Hosts in the workload (10 series each). @default 1000 */
  hosts: number;
  /** Hours of data, ending a minute before the run starts. @default 6 */
  hours: number;
  /** Seconds between two samples of a series. @default 10 */
  intervalSeconds: number;
  /** Systems to run, in this order. @default vm, prometheus, vigil */
  systems: SystemName[];
  /** Runs per system; the report shows medians. @default 1 */
  repeat: number;
  /** Concurrent connections (hosts are split across them). @default 4 */
  connections: number;
  /** Target samples per remote_write request. @default 10 000 */
  samplesPerRequest: number;
  /** Seed of the workload. @default 1 */
  seed: number;
  /** Largest lead of one connection over the slowest one, in data minutes. @default 20 */
  maxSkewMinutes: number;
  /** Time limit for the data to become queryable after the last ack, in seconds. @default 300 */
  queryableTimeoutSeconds: number;
  /** Time limit of one write request, in seconds. @default 120 */
  requestTimeoutSeconds: number;
  /** Where the JSON results go. @default bench/results/latest.json */
  out: string;
  /** Path of the built Vigil CLI. @default server/dist/bin/vigil.js */
  vigilBin: string;
  /** Keep the peers' data directories (their paths are printed). @default false */
  keepData: boolean;
  /**
   * What to measure and report. The workload is always loaded and awaited until queryable; without
   * `ingest` the disk measurement and the ingest table are left out. @default ingest, query
   */
  phases: PhaseName[];
  /** Timed runs per query after one warm-up. @default 5 */
  queryRuns: number;
  /** Time limit of one query, in seconds. @default 300 */
  queryTimeoutSeconds: number;
  /** Queries to run, in report order. @default all of {@link QUERY_NAMES} */
  queries: QueryName[];
  /**
   * Ingest protocols for Vigil's ingest phase (issue 6), remote_write first (always included):
   * after Vigil's remote_write run, one fresh Vigil per other protocol gets the same workload and
   * only the ingest figures are measured. @default remote_write
   */
  protocols: ProtocolName[];
}

const DEFAULT_OUT = resolve(dirname(fileURLToPath(import.meta.url)), 'results/latest.json');

function userCwd(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

export const USAGE = `Usage: npm run bench -- [options]   (from tests/, or the repository root)
       npm run bench -- --workload logs [options]   (the logs benchmark of issue 4; --workload logs --help)
       npm run bench -- --workload alarms [options] (alarm evaluation cost, issue 7; --workload alarms --help)
       npm run bench -- --workload anomaly [options] (anomaly model precision/recall, issue 7)

  --workload NAME           metrics (this table), logs, alarms, anomaly  (default metrics)

  --hosts N                 hosts, 10 cpu_usage_* series each            (default 1000)
  --hours H                 hours of data, one sample per interval       (default 6)
  --interval-seconds S      seconds between samples                      (default 10)
  --systems LIST            comma-separated: vm,prometheus,vigil         (default all three)
  --repeat N                runs per system, medians reported            (default 1)
  --connections N           concurrent keep-alive connections            (default 4)
  --samples-per-request N   samples per remote_write request             (default 10000)
  --seed N                  workload seed                                (default 1)
  --max-skew-minutes M      how far a connection may lead in data time   (default 20)
  --queryable-timeout-seconds S                                          (default 300)
  --request-timeout-seconds S                                            (default 120)
  --out FILE                JSON results                                 (default bench/results/latest.json)
  --vigil-bin FILE          built Vigil CLI                              (default server/dist/bin/vigil.js)
  --keep-data               keep the data directories
  --phases LIST             comma-separated: ingest,query                (default both)
                            (query alone: load, wait until queryable, flush, run the queries;
                            no disk measurement, no ingest table)
  --query-runs N            timed runs per query after one warm-up       (default 5)
  --query-timeout-seconds S time limit of one query                      (default 300)
  --queries LIST            comma-separated subset of the query names    (default all)
  --protocols LIST          Vigil ingest protocols, comma-separated:     (default remote_write)
                            ${PROTOCOL_NAMES.join(',')}
                            (remote_write always runs; every other one
                            gets a fresh Vigil and the same workload, and
                            a table of samples/s beside remote_write's)
  --help
`;

/**
 * Parses the command line. Returns undefined when `--help` was asked for.
 *
 * @throws on unknown options and bad values, naming the option.
 */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      hosts: { type: 'string' },
      hours: { type: 'string' },
      'interval-seconds': { type: 'string' },
      systems: { type: 'string' },
      repeat: { type: 'string' },
      connections: { type: 'string' },
      'samples-per-request': { type: 'string' },
      seed: { type: 'string' },
      'max-skew-minutes': { type: 'string' },
      'queryable-timeout-seconds': { type: 'string' },
      'request-timeout-seconds': { type: 'string' },
      out: { type: 'string' },
      'vigil-bin': { type: 'string' },
      'keep-data': { type: 'boolean' },
      phases: { type: 'string' },
      'query-runs': { type: 'string' },
      'query-timeout-seconds': { type: 'string' },
      queries: { type: 'string' },
      protocols: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return undefined;

  const number = (name: keyof typeof values, fallback: number, { integer = true, min = 1 } = {}): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (typeof raw !== 'string' || !Number.isFinite(parsed) || (integer && !Number.isInteger(parsed)) || parsed < min) {
      throw new Error(`--${name}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${String(raw)}`);
    }
    return parsed;
  };
  const systems = (values.systems ?? SYSTEM_NAMES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of systems) {
    if (!(SYSTEM_NAMES as readonly string[]).includes(s)) {
      throw new Error(`--systems: unknown system "${s}" (known: ${SYSTEM_NAMES.join(', ')})`);
    }
  }
  if (systems.length === 0) throw new Error('--systems: name at least one system');
  const phases = list('phases', values.phases, PHASE_NAMES, PHASE_NAMES);
  const queries = list('queries', values.queries, QUERY_NAMES, QUERY_NAMES);
  const protocols = list('protocols', values.protocols, PROTOCOL_NAMES, ['remote_write']);
  if (protocols.some((p) => p !== 'remote_write') && !systems.includes('vigil')) {
    throw new Error('--protocols: protocols other than remote_write run against Vigil only; add vigil to --systems');
  }

  return Object.freeze({
    hosts: number('hosts', 1000),
    hours: number('hours', 6, { integer: false, min: 0.01 }),
    intervalSeconds: number('interval-seconds', 10, { integer: false, min: 0.001 }),
    systems: systems as SystemName[],
    repeat: number('repeat', 1),
    connections: number('connections', 4),
    samplesPerRequest: number('samples-per-request', 10_000),
    seed: number('seed', 1, { min: 0 }),
    maxSkewMinutes: number('max-skew-minutes', 20, { integer: false, min: 0 }),
    queryableTimeoutSeconds: number('queryable-timeout-seconds', 300, { integer: false }),
    requestTimeoutSeconds: number('request-timeout-seconds', 120, { integer: false }),
    // npm runs workspace scripts in the workspace folder; paths typed by the user are relative to
    // where they typed them (INIT_CWD), defaults are relative to this folder.
    out: values.out === undefined ? DEFAULT_OUT : resolve(userCwd(), values.out),
    vigilBin: values['vigil-bin'] === undefined ? DEFAULT_VIGIL_BIN : resolve(userCwd(), values['vigil-bin']),
    keepData: values['keep-data'] ?? false,
    phases,
    queryRuns: number('query-runs', 5),
    queryTimeoutSeconds: number('query-timeout-seconds', 300, { integer: false }),
    // Report order stays the order of QUERY_NAMES whatever order they were given in.
    queries: QUERY_NAMES.filter((q) => queries.includes(q)),
    protocols: ['remote_write' as const, ...protocols.filter((p) => p !== 'remote_write')],
  });
}

/** Parses a comma-separated list of known names; `fallback` when the option is absent. */
function list<T extends string>(option: string, raw: string | undefined, known: readonly T[], fallback: readonly T[]): T[] {
  if (raw === undefined) return [...fallback];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!(known as readonly string[]).includes(name)) throw new Error(`--${option}: unknown name "${name}" (known: ${known.join(', ')})`);
  }
  if (names.length === 0) throw new Error(`--${option}: name at least one`);
  return [...new Set(names)] as T[];
}
