import { useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { lokiRange, lokiSeries } from '../api/endpoints';
import { formatTime } from '../lib/format';
import { type LogRow, exactSelector, fieldParserOf, parseFields, streamOfRow, streamSelectorOf, streamsToRows } from '../lib/logs';

/** Lines shown on each side of a line whose context is opened. */
const CONTEXT_LINES = 10;
const HOUR_MS = 3_600_000;

/** Props of {@link LogLines}. */
export interface LogLinesProps {
  rows: readonly LogRow[];
  /** The query the rows came from: its stream selector finds a line's stream for the context view. */
  query?: string;
  /** Labels shown on every row (the others only in the detail). @default none */
  showLabels?: readonly string[];
  label: string;
  /** Offered beside each label and field of an opened line: narrow the query to that value. */
  onFilter?: (name: string, value: string, parser?: 'json' | 'logfmt') => void;
}

/**
 * Log lines, newest first: a level stripe, the time and the line; a row opens (click, Enter or
 * Space, it is a button) to show its labels, its parsed fields (JSON or logfmt) and the lines
 * around it in its stream. Lines and labels are text, never HTML.
 */
export function LogLines(props: LogLinesProps) {
  const [open, setOpen] = useState<string | null>(null);
  if (props.rows.length === 0) return <p class="empty">No log lines.</p>;
  return (
    <ul class="log-lines" aria-label={props.label}>
      {props.rows.map((row) => (
        <li key={row.key} class="log-row" data-level={row.level}>
          <button type="button" aria-expanded={open === row.key} onClick={() => setOpen(open === row.key ? null : row.key)}>
            <span class={`log-level level-${row.level}`} title={row.level} />
            <span class="muted">{formatTime(row.tsMs, true)}</span>
            <span class="log-line">
              {props.showLabels?.length ? (
                <span class="muted">{props.showLabels.map((k) => (row.labels[k] !== undefined ? `${k}=${row.labels[k]} ` : '')).join('')}</span>
              ) : null}
              {row.line}
            </span>
          </button>
          {open === row.key ? <LogDetail row={row} query={props.query} onFilter={props.onFilter} /> : null}
        </li>
      ))}
    </ul>
  );
}

function FilterButton(props: { name: string; value: string; parser?: 'json' | 'logfmt'; onFilter?: (name: string, value: string, parser?: 'json' | 'logfmt') => void }) {
  if (!props.onFilter) return null;
  return (
    <button type="button" class="link filter-button" aria-label={`Show only lines with ${props.name} = ${props.value}`} onClick={() => props.onFilter!(props.name, props.value, props.parser)}>
      filter
    </button>
  );
}

function LogDetail(props: { row: LogRow; query?: string; onFilter?: (name: string, value: string, parser?: 'json' | 'logfmt') => void }) {
  const { row } = props;
  const fields = parseFields(row.line);
  const [context, setContext] = useState<{ before: LogRow[]; after: LogRow[] } | null>(null);
  const [state, setState] = useState<'idle' | 'loading' | 'error'>('idle');
  const [error, setError] = useState('');

  const loadContext = async () => {
    setState('loading');
    try {
      const selector = (props.query && streamSelectorOf(props.query)) || exactSelector(row.labels);
      const streams = await lokiSeries(selector, row.tsMs - HOUR_MS, row.tsMs + HOUR_MS);
      const stream = streamOfRow(row.labels, streams) ?? row.labels;
      const sel = exactSelector(stream);
      const after = (BigInt(row.tsNs) + 1n).toString();
      const [b, a] = await Promise.all([
        lokiRange(sel, row.tsMs - HOUR_MS, row.tsMs, { direction: 'backward', limit: CONTEXT_LINES, endNs: row.tsNs }),
        lokiRange(sel, row.tsMs, row.tsMs + HOUR_MS, { direction: 'forward', limit: CONTEXT_LINES, startNs: after }),
      ]);
      const rows = (r: typeof b) => (r.resultType === 'streams' ? streamsToRows(r.result) : []);
      setContext({ before: rows(b), after: rows(a) });
      setState('idle');
    } catch (err) {
      setError(errorMessage(err));
      setState('error');
    }
  };

  return (
    <div class="log-detail">
      <dl class="kv" aria-label="Labels">
        {Object.entries(row.labels).map(([k, v]) => (
          <div key={k} class="kv-row">
            <dt>{k}</dt>
            <dd>
              {v} <FilterButton name={k} value={v} onFilter={props.onFilter} />
            </dd>
          </div>
        ))}
      </dl>
      {fields.length > 0 ? (
        <>
          <strong>Fields</strong>
          <dl class="kv" aria-label="Fields parsed from the line">
            {fields.map(([k, v], i) => (
              <div key={i} class="kv-row">
                <dt>{k}</dt>
                <dd>
                  {v} {/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? <FilterButton name={k} value={v} parser={fieldParserOf(row.line)} onFilter={props.onFilter} /> : null}
                </dd>
              </div>
            ))}
          </dl>
        </>
      ) : null}
      <div>
        <button type="button" class="secondary" onClick={loadContext} disabled={state === 'loading'}>
          {state === 'loading' ? 'Loading context…' : 'Show context'}
        </button>
        {state === 'error' ? <span class="error"> {error}</span> : null}
      </div>
      {context ? (
        <ol class="log-lines log-context" aria-label="Lines around this one in its stream, oldest first">
          {[...context.before].reverse().map((r) => (
            <li key={`b${r.key}`}>
              <span class="muted">{formatTime(r.tsMs, true)}</span> {r.line}
            </li>
          ))}
          <li class="context-target">
            <span class="muted">{formatTime(row.tsMs, true)}</span> {row.line}
          </li>
          {context.after.map((r) => (
            <li key={`a${r.key}`}>
              <span class="muted">{formatTime(r.tsMs, true)}</span> {r.line}
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
