import type { IngestRunResult } from './ingest-benchmark.js';
import type { SystemName } from './peers/types.js';
import type { AnswerComparison, QueryPhaseResult } from './query-benchmark.js';
import type { BenchQuery } from './queries.js';
import { median } from './report.js';

/**
 * Turns the query phase's timings into per-query medians and p90s per system, the
 * Vigil/VictoriaMetrics ratios that issue 3 sets targets for (geometric mean ≤ 1.0, none worse
 * than 3×, every query faster than Prometheus), and Markdown.
 */

/** Timings of one query on one system, pooled over the successful runs. */
export interface QueryStats {
  medianMs?: number;
  p90Ms?: number;
  /** Timed runs pooled. */
  samples: number;
  series?: number;
  points?: number;
  error?: string;
}

/** One row of the query table. */
export interface QuerySummary {
  name: string;
  bySystem: Partial<Record<SystemName, QueryStats>>;
  /** Vigil median / VictoriaMetrics median. */
  vigilVsVm?: number;
  /** Vigil median / Prometheus median. */
  vigilVsPrometheus?: number;
}

/** Issue 3's targets, evaluated. */
export interface QueryTargets {
  /** Geometric mean of the Vigil/VictoriaMetrics median ratios over the queries both answered. */
  geometricMeanVsVm?: number;
  /** Queries the geometric mean is over. */
  ratioCount: number;
  worstVsVm?: { name: string; ratio: number };
  /** Vigil's median is below Prometheus' on every query (undefined when either has none). */
  fasterThanPrometheusEverywhere?: boolean;
  /** Queries where Vigil is not faster than Prometheus, or one of them has no figure. */
  notFasterThanPrometheus: string[];
}

/** The nearest-rank percentile (`p` in 0..100) of some numbers. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Pools each system's timed runs per query (successful runs with a query phase only). */
export function summarizeQueries(queries: readonly BenchQuery[], results: readonly IngestRunResult[]): QuerySummary[] {
  return queries.map((query) => {
    const bySystem: Partial<Record<SystemName, QueryStats>> = {};
    const pooled = new Map<SystemName, number[]>();
    for (const r of results) {
      const phase = r.phases?.query as QueryPhaseResult | undefined;
      const timing = phase?.queries.find((q) => q.name === query.name);
      if (timing === undefined) continue;
      const stats = bySystem[r.system] ?? { samples: 0 };
      bySystem[r.system] = stats;
      if (timing.error !== undefined) {
        stats.error ??= timing.error;
        continue;
      }
      stats.series ??= timing.series;
      stats.points ??= timing.points;
      const all = [...(pooled.get(r.system) ?? []), ...timing.timingsMs];
      pooled.set(r.system, all);
      stats.samples = all.length;
      stats.medianMs = median(all);
      stats.p90Ms = percentile(all, 90);
    }
    const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
      a === undefined || b === undefined || b <= 0 ? undefined : a / b;
    return {
      name: query.name,
      bySystem,
      vigilVsVm: ratio(bySystem.vigil?.medianMs, bySystem.vm?.medianMs),
      vigilVsPrometheus: ratio(bySystem.vigil?.medianMs, bySystem.prometheus?.medianMs),
    };
  });
}

/** Evaluates issue 3's targets over the summaries. */
export function queryTargets(summaries: readonly QuerySummary[]): QueryTargets {
  const ratios = summaries.filter((s) => s.vigilVsVm !== undefined).map((s) => ({ name: s.name, ratio: s.vigilVsVm! }));
  const geometricMeanVsVm =
    ratios.length === 0 ? undefined : Math.exp(ratios.reduce((sum, r) => sum + Math.log(r.ratio), 0) / ratios.length);
  const worstVsVm = ratios.reduce<{ name: string; ratio: number } | undefined>((worst, r) => (worst === undefined || r.ratio > worst.ratio ? r : worst), undefined);
  const hasBoth = summaries.some((s) => s.bySystem.vigil !== undefined) && summaries.some((s) => s.bySystem.prometheus !== undefined);
  const notFasterThanPrometheus = summaries.filter((s) => s.vigilVsPrometheus === undefined || s.vigilVsPrometheus >= 1).map((s) => s.name);
  return {
    geometricMeanVsVm,
    ratioCount: ratios.length,
    worstVsVm,
    fasterThanPrometheusEverywhere: hasBoth ? notFasterThanPrometheus.length === 0 : undefined,
    notFasterThanPrometheus: hasBoth ? notFasterThanPrometheus : [],
  };
}

const SYSTEM_COLUMNS: ReadonlyArray<{ system: SystemName; title: string }> = [
  { system: 'vm', title: 'VictoriaMetrics' },
  { system: 'prometheus', title: 'Prometheus' },
  { system: 'vigil', title: 'Vigil' },
];

/** Markdown: the timing table, the targets, the Vigil-vs-Prometheus comparison and the queries. */
export function formatQueryMarkdown(
  queries: readonly BenchQuery[],
  summaries: readonly QuerySummary[],
  comparisons: readonly AnswerComparison[] | undefined,
  headline: string,
): string {
  const columns = SYSTEM_COLUMNS.filter((c) => summaries.some((s) => s.bySystem[c.system] !== undefined));
  const lines: string[] = [headline, ''];
  lines.push(
    `| query | ${columns.map((c) => `${c.title} ms median (p90)`).join(' | ')} | Vigil / VM | Vigil / Prom | same as Prometheus | series × points |`,
    `|---|${columns.map(() => '---:').join('|')}|---:|---:|---|---:|`,
  );
  for (const s of summaries) {
    const cells = columns.map((c) => {
      const stats = s.bySystem[c.system];
      if (stats === undefined) return '–';
      if (stats.error !== undefined && stats.medianMs === undefined) return `failed: ${escapeCell(stats.error).slice(0, 80)}`;
      return `${ms(stats.medianMs)} (${ms(stats.p90Ms)})`;
    });
    const comparison = comparisons?.find((c) => c.name === s.name);
    const reference = s.bySystem.prometheus ?? s.bySystem.vigil ?? s.bySystem.vm;
    const size = reference?.series === undefined ? '–' : `${reference.series} × ${reference.points}`;
    lines.push(`| ${s.name} | ${cells.join(' | ')} | ${ratio(s.vigilVsVm)} | ${ratio(s.vigilVsPrometheus)} | ${comparisonCell(comparison)} | ${size} |`);
  }

  const targets = queryTargets(summaries);
  const check = (ok: boolean | undefined): string => (ok === undefined ? '?' : ok ? 'met' : 'NOT met');
  lines.push(
    '',
    '| Vigil vs the others | value | target | |',
    '|---|---:|---|---|',
    `| geometric mean of Vigil/VM median ratios (${targets.ratioCount} queries) | ${ratio(targets.geometricMeanVsVm)} | ≤ 1.0 | ${check(targets.geometricMeanVsVm === undefined ? undefined : targets.geometricMeanVsVm <= 1)} |`,
    `| worst Vigil/VM ratio${targets.worstVsVm ? ` (${targets.worstVsVm.name})` : ''} | ${ratio(targets.worstVsVm?.ratio)} | ≤ 3.0 | ${check(targets.worstVsVm === undefined ? undefined : targets.worstVsVm.ratio <= 3)} |`,
    `| faster than Prometheus on every query | ${fasterCell(targets, summaries.length)} | yes | ${check(targets.fasterThanPrometheusEverywhere)} |`,
  );
  if (comparisons !== undefined) {
    const mismatched = comparisons.filter((c) => c.status !== 'match');
    lines.push(
      `| answers equal to Prometheus' (1e-9 relative) | ${comparisons.length - mismatched.length} of ${comparisons.length} | all | ${check(mismatched.length === 0)} |`,
    );
    if (mismatched.length > 0) {
      lines.push('', 'Differences between Vigil and Prometheus:', '');
      for (const c of mismatched) {
        if (c.status === 'missing') {
          lines.push(`- ${c.name}: not compared (${c.reason})`);
          continue;
        }
        lines.push(
          `- ${c.name}: ${c.seriesOnlyInReference} series only in Prometheus, ${c.seriesOnlyInCandidate} only in Vigil; ${c.pointsOnlyInReference} points only in Prometheus, ${c.pointsOnlyInCandidate} only in Vigil; ${c.valuesDiffering} values differ (max relative difference ${c.maxRelativeDifference?.toExponential(2)})`,
        );
        for (const e of c.examples) lines.push(`  - ${escapeCell(e)}`);
      }
    }
    const nearly = comparisons.filter((c) => (c.nearlyEqual ?? 0) > 0);
    if (nearly.length > 0) {
      lines.push(
        '',
        `Equal within 1e-9 but not printed identically to Prometheus (float rounding): ${nearly.map((c) => `${c.name} (${c.nearlyEqual} points, up to ${c.maxNearlyEqualDifference?.toExponential(1)})`).join('; ')}.`,
      );
    }
  }

  lines.push('', 'Queries (query_range; every window ends half a sample interval after the last sample):', '');
  for (const q of queries) {
    const length = (q.endMs - q.startMs) / 60_000;
    const range = length === 0 ? 'one evaluation' : `${+length.toFixed(2)} min window, step ${q.stepMs / 1000} s`;
    lines.push(`- **${q.name}**: \`${q.promql.length > 300 ? `${q.promql.slice(0, 300)}…` : q.promql}\` — ${q.description}; ${range}`);
  }
  lines.push(
    '',
    'Notes:',
    '- Each query: one warm-up, then the timed runs in a row; wall time from sending the request (form POST) to the last byte of the answer, over loopback. p90 is nearest-rank (the slowest run for 5 runs).',
    '- VictoriaMetrics gets `nocache=1` (no rollup result cache). Its answers are not compared: MetricsQL extrapolates `rate` differently and uses its own lookback.',
    '- series × points: the size of the Prometheus answer (else Vigil\'s).',
  );
  return lines.join('\n');
}

function fasterCell(targets: QueryTargets, queries: number): string {
  if (targets.fasterThanPrometheusEverywhere === undefined) return '–';
  if (targets.fasterThanPrometheusEverywhere) return 'yes';
  const faster = queries - targets.notFasterThanPrometheus.length;
  return faster === 0 ? `no: slower on all ${queries}` : `no: faster on ${faster} of ${queries}; not on ${targets.notFasterThanPrometheus.join(', ')}`;
}

function comparisonCell(c: AnswerComparison | undefined): string {
  if (c === undefined) return '–';
  if (c.status === 'missing') return `– (${c.reason})`;
  if (c.status === 'match') return 'yes';
  const parts: string[] = [];
  if (c.resultTypes && c.resultTypes[0] !== c.resultTypes[1]) parts.push(`type ${c.resultTypes[0]}/${c.resultTypes[1]}`);
  if (c.seriesOnlyInReference! + c.seriesOnlyInCandidate! > 0) parts.push(`series −${c.seriesOnlyInReference}/+${c.seriesOnlyInCandidate}`);
  if (c.pointsOnlyInReference! + c.pointsOnlyInCandidate! > 0) parts.push(`points −${c.pointsOnlyInReference}/+${c.pointsOnlyInCandidate}`);
  if (c.valuesDiffering! > 0) parts.push(`${c.valuesDiffering} values`);
  return `**NO**: ${parts.join(', ')}`;
}

function ms(value: number | undefined): string {
  if (value === undefined) return '–';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

function ratio(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(2);
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ').slice(0, 300);
}
