import { useMemo, useState } from 'preact/hooks';
import type { PromResult } from '../api/endpoints';
import { type Unit, formatTime, formatValue } from '../lib/format';
import { sampleValue } from '../lib/series';

interface Row {
  labels: Record<string, string>;
  timeMs: number;
  value: number | null;
}

/** Rows of an instant result (vector, scalar), or of a matrix's newest samples. */
export function resultRows(result: PromResult): Row[] {
  switch (result.resultType) {
    case 'vector':
      return result.result.map((s) => ({ labels: s.metric, timeMs: s.value[0] * 1000, value: sampleValue(s.value[1]) }));
    case 'matrix':
      return result.result.flatMap((s) => {
        const last = s.values[s.values.length - 1];
        return last ? [{ labels: s.metric, timeMs: last[0] * 1000, value: sampleValue(last[1]) }] : [];
      });
    case 'scalar':
      return [{ labels: {}, timeMs: result.result[0] * 1000, value: sampleValue(result.result[1]) }];
    case 'string':
      return [{ labels: { value: result.result[1] }, timeMs: result.result[0] * 1000, value: null }];
  }
}

/**
 * A result as a table: one column per label, the time and the value; sortable by any column
 * (the header buttons); every cell rendered as text.
 */
export function ResultTable(props: { result: PromResult; unit?: Unit; caption?: string }) {
  const rows = useMemo(() => resultRows(props.result), [props.result]);
  const columns = useMemo(() => {
    const set = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r.labels)) set.add(k);
    const names = [...set].sort();
    return names.includes('__name__') ? ['__name__', ...names.filter((n) => n !== '__name__')] : names;
  }, [rows]);
  const [sort, setSort] = useState<{ key: string; desc: boolean }>({ key: '__value', desc: true });
  const sorted = useMemo(() => {
    const out = [...rows];
    const dir = sort.desc ? -1 : 1;
    out.sort((a, b) => {
      if (sort.key === '__value') return dir * ((a.value ?? Number.NEGATIVE_INFINITY) - (b.value ?? Number.NEGATIVE_INFINITY));
      return dir * (a.labels[sort.key] ?? '').localeCompare(b.labels[sort.key] ?? '');
    });
    return out;
  }, [rows, sort]);
  if (rows.length === 0) return <p class="empty">No data.</p>;
  const header = (key: string, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="link" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key === '__value' })}>
        {label}
        {sort.key === key ? (sort.desc ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );
  return (
    <div class="table-wrap">
      <table class="data-table">
        {props.caption ? <caption class="visually-hidden">{props.caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => header(c, c === '__name__' ? 'metric' : c))}
            <th scope="col">time</th>
            {header('__value', 'value')}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{r.labels[c] ?? ''}</td>
              ))}
              <td class="num muted">{formatTime(r.timeMs)}</td>
              <td class="num">{formatValue(r.value, props.unit)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
