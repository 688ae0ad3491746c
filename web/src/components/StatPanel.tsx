import type { PromResult } from '../api/endpoints';
import type { Unit } from '../lib/format';
import { formatValue } from '../lib/format';
import { seriesColor, seriesName } from '../lib/series';
import { resultRows } from './ResultTable';

/** Big numbers: the latest value of each series (up to 12), named by their labels. */
export function StatPanel(props: { result: PromResult; unit?: Unit }) {
  const rows = resultRows(props.result).slice(0, 12);
  if (rows.length === 0) return <p class="empty">No data.</p>;
  return (
    <ul class="stats">
      {rows.map((r, i) => {
        const name = seriesName(r.labels);
        return (
          <li key={name} class="stat">
            <span class="stat-value" style={{ color: seriesColor(i) }}>
              {formatValue(r.value, props.unit)}
            </span>
            {rows.length > 1 || name !== '{}' ? <span class="stat-name">{name}</span> : null}
          </li>
        );
      })}
    </ul>
  );
}
