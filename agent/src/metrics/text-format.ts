import type { MetricMeta, Sample } from '../types.js';

/**
 * Formats samples in the Prometheus text exposition format 0.0.4, grouped by family with
 * `# HELP` and `# TYPE` lines; used by `vigil-agent --once`. Timestamps are left out, as an
 * exporter does.
 *
 * @example
 * formatPrometheusText([{ name: 'up', labels: { job: 'a' }, value: 1, timestampMs: 0 }], new Map());
 * // 'up{job="a"} 1\n'
 */
export function formatPrometheusText(samples: readonly Sample[], meta: ReadonlyMap<string, MetricMeta>): string {
  const byName = new Map<string, Sample[]>();
  for (const s of samples) {
    let list = byName.get(s.name);
    if (!list) {
      list = [];
      byName.set(s.name, list);
    }
    list.push(s);
  }
  const out: string[] = [];
  for (const name of [...byName.keys()].sort()) {
    const m = meta.get(name);
    if (m) {
      out.push(`# HELP ${name} ${escapeHelp(m.help)}`);
      out.push(`# TYPE ${name} ${m.type}`);
    }
    for (const s of byName.get(name)!) out.push(`${name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** Formats a label set as `{a="1",b="2"}` with sorted names and escaped values ('' when empty). */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '';
  return `{${names.map((n) => `${n}="${escapeLabelValue(labels[n]!)}"`).join(',')}}`;
}

/** Formats a float the way Prometheus' Go exposition does for the common cases. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
