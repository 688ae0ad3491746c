import { useEffect, useRef, useState } from 'preact/hooks';
import { formatTime } from '../lib/format';
import { RELATIVE_PRESETS, type TimeRange, describeRange, resolveRange } from '../lib/time-range';

/**
 * The time range control: a button naming the range, opening quick relative choices and two
 * fields for any range (`now-2h` … `now`, or absolute `2026-01-31T12:00:00Z`). Escape closes it.
 */
export function TimeRangePicker(props: { value: TimeRange; onChange: (r: TimeRange) => void; id?: string }) {
  const id = props.id ?? 'time-range';
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState(props.value.from);
  const [to, setTo] = useState(props.value.to);
  const [error, setError] = useState('');
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    setFrom(props.value.from);
    setTo(props.value.to);
  }, [props.value.from, props.value.to]);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onEscape = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', onEscape);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', onEscape);
    };
  }, [open]);

  const apply = (r: TimeRange) => {
    try {
      resolveRange(r, Date.now());
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    setError('');
    setOpen(false);
    props.onChange(r);
  };

  let absolute = '';
  try {
    const r = resolveRange(props.value, Date.now());
    absolute = `${formatTime(r.startMs)} to ${formatTime(r.endMs)}`;
  } catch {
    absolute = '';
  }

  return (
    <div class="picker" ref={root}>
      <button type="button" aria-expanded={open} aria-controls={`${id}-panel`} title={absolute} onClick={() => setOpen(!open)}>
        {describeRange(props.value)}
      </button>
      {open ? (
        <fieldset id={`${id}-panel`} class="picker-panel">
          <legend class="visually-hidden">Time range</legend>
          <form
            class="picker-custom"
            onSubmit={(e) => {
              e.preventDefault();
              apply({ from: from.trim(), to: to.trim() });
            }}
          >
            <label for={`${id}-from`}>From</label>
            <input id={`${id}-from`} value={from} onInput={(e) => setFrom(e.currentTarget.value)} placeholder="now-1h or 2026-01-31T12:00:00Z" />
            <label for={`${id}-to`}>To</label>
            <input id={`${id}-to`} value={to} onInput={(e) => setTo(e.currentTarget.value)} placeholder="now" />
            {error ? (
              <p class="error" role="alert">
                {error}
              </p>
            ) : null}
            <button type="submit">Apply range</button>
          </form>
          <ul class="picker-presets" aria-label="Quick ranges">
            {RELATIVE_PRESETS.map((p) => (
              <li key={p.from}>
                <button
                  type="button"
                  class={props.value.from === p.from && props.value.to === 'now' ? 'ghost selected' : 'ghost'}
                  onClick={() => apply({ from: p.from, to: 'now' })}
                >
                  {p.label}
                </button>
              </li>
            ))}
          </ul>
        </fieldset>
      ) : null}
    </div>
  );
}

/** Auto-refresh choices of dashboards. */
export const REFRESH_CHOICES = ['', '5s', '10s', '30s', '1m', '5m', '15m'];

/** The auto-refresh select. */
export function RefreshPicker(props: { value: string; onChange: (v: string) => void; id?: string }) {
  const id = props.id ?? 'refresh';
  const choices = REFRESH_CHOICES.includes(props.value) ? REFRESH_CHOICES : [...REFRESH_CHOICES, props.value];
  return (
    <span class="inline-field">
      <label for={id}>Refresh</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {choices.map((c) => (
          <option key={c} value={c}>
            {c === '' ? 'Off' : `Every ${c}`}
          </option>
        ))}
      </select>
    </span>
  );
}
