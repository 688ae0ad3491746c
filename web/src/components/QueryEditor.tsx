import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { type QueryProblem, parseQuery } from '../api/endpoints';
import {
  type CompletionContext,
  type CompletionItem,
  applyCompletion,
  completionItems,
  findCompletionContext,
} from '../lib/completion';
import { type QueryLanguage, tokenize } from '../lib/query-tokenizer';
import { type SourceNeeds, useCompletionSources } from './completion-sources';

/** Props of {@link QueryEditor}. */
export interface QueryEditorProps {
  id: string;
  label: string;
  lang: QueryLanguage;
  value: string;
  onChange: (value: string) => void;
  /** Enter (or Ctrl/Cmd+Enter) without an open completion list runs the query. */
  onRun?: () => void;
  /** Time range label names and values are looked up in, epoch ms. */
  startMs?: number;
  endMs?: number;
  placeholder?: string;
  /** Check the query with the server's parser as it is typed. @default true */
  check?: boolean;
  /** Text that is not part of the query language (dashboard variables) and must not be flagged. */
  prepareForCheck?: (query: string) => string;
}

interface Segment {
  start: number;
  end: number;
  kind: string;
  error: boolean;
}

/** Splits tokens where problems start and end, so errors can be marked inside a token. */
function segments(text: string, lang: QueryLanguage, all: readonly QueryProblem[]): Segment[] {
  // Problems without a position (start -1) are listed below the editor but not marked.
  const problems = all.filter((p) => p.start >= 0);
  const cuts = new Set<number>();
  for (const p of problems) {
    cuts.add(Math.min(p.start, text.length));
    cuts.add(Math.min(p.end, text.length));
  }
  const inError = (a: number, b: number) => problems.some((p) => p.start < b && a < Math.max(p.end, p.start + 1));
  const out: Segment[] = [];
  for (const t of tokenize(text, lang)) {
    let from = t.start;
    const points = [...cuts].filter((c) => c > t.start && c < t.end).sort((a, b) => a - b);
    for (const c of [...points, t.end]) {
      out.push({ start: from, end: c, kind: t.kind, error: inError(from, c) });
      from = c;
    }
  }
  return out;
}

const OPEN_ON_EMPTY_PREFIX = new Set(['label-name', 'label-value', 'duration', 'stage']);

/**
 * The PromQL/LogQL editor: a textarea under a highlighted copy of its text (tokens coloured by
 * the client-side tokenizer), an autocompletion list (functions from the server's signature
 * table, metric names, label names and values from the API) and the server parser's problems
 * underlined at their position with Prometheus' message below. Keyboard: Ctrl+Space opens the
 * list, ↑/↓ move, Enter or Tab accept, Escape closes; Enter runs the query, Shift+Enter adds a line.
 * Everything from the data is rendered as text.
 */
export function QueryEditor(props: QueryEditorProps) {
  const { id, lang, value } = props;
  const textarea = useRef<HTMLTextAreaElement>(null);
  const highlight = useRef<HTMLPreElement>(null);
  const [ctx, setCtx] = useState<CompletionContext | undefined>(undefined);
  const [active, setActive] = useState(0);
  const [problems, setProblems] = useState<QueryProblem[]>([]);
  const [checkError, setCheckError] = useState('');
  const pendingCursor = useRef<number | undefined>(undefined);
  const listId = `${id}-completions`;
  const errorsId = `${id}-problems`;

  const needs: SourceNeeds | undefined = ctx && ctx.kind !== 'none' ? { ctx, lang, startMs: props.startMs, endMs: props.endMs } : undefined;
  const sources = useCompletionSources(needs);
  const items = useMemo(() => (ctx ? completionItems(ctx, sources) : []), [ctx, sources]);
  const open = ctx !== undefined && items.length > 0;

  // Ask the server's parser as the query changes (debounced); the positions come back exact.
  useEffect(() => {
    if (props.check === false || value.trim() === '') {
      setProblems([]);
      setCheckError('');
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const text = props.prepareForCheck ? props.prepareForCheck(value) : value;
      parseQuery(lang, text, controller.signal)
        .then((r) => {
          // Offsets refer to the checked text; when variables were replaced they may shift, so
          // only exact-length replacements keep their marks.
          setProblems(text.length === value.length ? r.errors : r.errors.map((e) => ({ ...e, start: -1, end: -1 })));
          setCheckError('');
        })
        .catch((err) => {
          const m = errorMessage(err);
          if (m) setCheckError(m);
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [value, lang, props.check, props.prepareForCheck]);

  useLayoutEffect(() => {
    const c = pendingCursor.current;
    if (c !== undefined && textarea.current) {
      textarea.current.setSelectionRange(c, c);
      pendingCursor.current = undefined;
    }
  });

  useEffect(() => setActive(0), [ctx?.kind, ctx?.prefix, ctx?.from]);

  const updateContext = (text: string, cursor: number, explicit: boolean) => {
    const c = findCompletionContext(text, cursor, lang);
    if (c.kind === 'none' || (!explicit && c.prefix === '' && !OPEN_ON_EMPTY_PREFIX.has(c.kind))) setCtx(undefined);
    else setCtx(c);
  };

  const accept = (item: CompletionItem) => {
    if (!ctx) return;
    const next = applyCompletion(value, ctx, item);
    pendingCursor.current = next.cursor;
    props.onChange(next.text);
    setCtx(undefined);
    // A function's parentheses or a label's `=` may open the next list at once.
    requestAnimationFrame(() => updateContext(next.text, next.cursor, false));
  };

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      updateContext(value, e.currentTarget.selectionStart, true);
      return;
    }
    if (open) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setActive((a) => (a + d + items.length) % items.length);
        return;
      }
      const chosen = items[Math.min(active, items.length - 1)]!;
      // Enter on a word already typed in full (`up` with `up` offered) runs the query instead.
      const typedInFull = e.key === 'Enter' && ctx !== undefined && chosen.insert === value.slice(ctx.from, ctx.to);
      if (((e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey) || e.key === 'Tab') && !typedInFull) {
        e.preventDefault();
        accept(chosen);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setCtx(undefined);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      setCtx(undefined);
      props.onRun?.();
    }
  };

  const lines = value.split('\n').length;
  const activeItem = open ? items[Math.min(active, items.length - 1)] : undefined;
  return (
    <div class="qe">
      <label for={id} class="qe-label">
        {props.label}
      </label>
      <div class={`qe-box${problems.length > 0 ? ' qe-invalid' : ''}`}>
        <pre class="qe-highlight" ref={highlight} aria-hidden="true">
          {segments(value, lang, problems).map((s) => (
            <span key={s.start} class={`tok-${s.kind}${s.error ? ' qe-error' : ''}`}>
              {value.slice(s.start, s.end)}
            </span>
          ))}
          {problems.some((p) => p.start >= value.length) && value.length > 0 ? <span class="qe-error qe-error-point"> </span> : null}
          {'\n'}
        </pre>
        <textarea
          ref={textarea}
          id={id}
          class="qe-input"
          value={value}
          rows={Math.min(12, Math.max(1, lines))}
          spellcheck={false}
          autocomplete="off"
          autocapitalize="off"
          placeholder={props.placeholder}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={open ? `${listId}-${Math.min(active, items.length - 1)}` : undefined}
          aria-invalid={problems.length > 0}
          aria-describedby={errorsId}
          onInput={(e) => {
            const t = e.currentTarget;
            props.onChange(t.value);
            updateContext(t.value, t.selectionStart, false);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setCtx(undefined), 150)}
          onClick={() => setCtx(undefined)}
          onScroll={(e) => {
            if (highlight.current) {
              highlight.current.scrollTop = e.currentTarget.scrollTop;
              highlight.current.scrollLeft = e.currentTarget.scrollLeft;
            }
          }}
        />
        {open ? (
          <div class="qe-popup">
            <div id={listId} role="listbox" aria-label="Suggestions" class="qe-list">
              {items.map((item, i) => (
                <div
                  key={`${item.kind}:${item.label}`}
                  tabIndex={-1}
                  id={`${listId}-${i}`}
                  role="option"
                  aria-selected={i === active}
                  class={i === active ? 'active' : undefined}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    accept(item);
                  }}
                >
                  <span class={`qe-kind kind-${item.kind}`}>{item.kind}</span>
                  <span class="qe-item-label">{item.label}</span>
                  {item.detail ? <span class="qe-item-detail">{item.detail}</span> : null}
                </div>
              ))}
            </div>
            {activeItem?.doc ? <p class="qe-doc">{activeItem.doc}</p> : null}
          </div>
        ) : null}
      </div>
      <div id={errorsId} class="qe-problems" aria-live="polite">
        {problems.map((p) => (
          <p key={`${p.start}:${p.message}`} class="error">
            <button
              type="button"
              class="link"
              onClick={() => {
                textarea.current?.focus();
                textarea.current?.setSelectionRange(p.start, Math.max(p.end, p.start));
              }}
            >
              {p.line}:{p.column}
            </button>{' '}
            {p.message.replace(/^\d+:\d+: /, '')}
          </p>
        ))}
        {checkError ? <p class="muted">Could not check the query: {checkError}</p> : null}
      </div>
    </div>
  );
}
