// @vitest-environment happy-dom
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PromResult } from '../api/endpoints';
import { streamsToRows } from '../lib/logs';
import { stubCanvas } from '../testing/fake-canvas';
import { cellsMoved } from './DashboardPanel';
import { Graph, MAX_GRAPH_SERIES } from './Graph';
import { LogLines } from './LogLines';
import { QueryEditor } from './QueryEditor';
import { ResultTable } from './ResultTable';
import { StatPanel } from './StatPanel';

const EVIL = '<img src=x onerror=alert(1)>';

let root: HTMLElement;
beforeEach(() => {
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const vector: PromResult = {
  resultType: 'vector',
  result: [
    { metric: { __name__: 'up', job: EVIL }, value: [1700000000, '1'] },
    { metric: { __name__: 'up', job: 'api' }, value: [1700000000, '0.5'] },
  ],
};

describe('ResultTable', () => {
  it('shows label values as text, never as markup', () => {
    render(<ResultTable result={vector} />, root);
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain(EVIL);
  });

  it('sorts by value, then by a label when its header is pressed', async () => {
    render(<ResultTable result={vector} />, root);
    const firstJob = () => root.querySelector('tbody tr td:nth-child(2)')?.textContent;
    expect(firstJob()).toBe(EVIL);
    const jobHeader = [...root.querySelectorAll('th button')].find((b) => b.textContent?.startsWith('job')) as HTMLButtonElement;
    await act(() => jobHeader.click());
    expect(firstJob()).toBe(EVIL);
    await act(() => jobHeader.click());
    expect(firstJob()).toBe('api');
  });
});

describe('StatPanel', () => {
  it('formats each series latest value in the unit', () => {
    render(<StatPanel result={vector} unit="percentunit" />, root);
    expect([...root.querySelectorAll('.stat-value')].map((e) => e.textContent)).toEqual(['100%', '50%']);
    expect(root.querySelector('img')).toBeNull();
  });
});

describe('LogLines', () => {
  it('renders lines and labels as text and opens a line to show its fields', async () => {
    const rows = streamsToRows([{ stream: { app: EVIL, level: 'error' }, values: [['1700000000000000000', `level=error msg="${EVIL}"`]] }]);
    render(<LogLines rows={rows} label="lines" />, root);
    expect(root.querySelector('img')).toBeNull();
    const button = root.querySelector('.log-row > button') as HTMLButtonElement;
    expect(button.getAttribute('aria-expanded')).toBe('false');
    await act(() => button.click());
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const dts = [...root.querySelectorAll('.log-detail dt')].map((e) => e.textContent);
    expect(dts).toEqual(['app', 'level', 'level', 'msg']);
    expect(root.querySelector('.log-detail')?.textContent).toContain(EVIL);
    expect(root.querySelector('img')).toBeNull();
  });
});

describe('QueryEditor', () => {
  /** A fake server: the parse endpoint reports one problem; the vocabulary has two functions. */
  const fakeFetch = vi.fn(async (url: string) => {
    const body = url.startsWith('/api/v1/web/parse')
      ? { status: 'success', data: { errors: [{ start: 5, end: 6, line: 1, column: 6, message: '1:6: parse error: unclosed left parenthesis' }] } }
      : url.startsWith('/api/v1/web/language')
        ? {
            status: 'success',
            data: {
              promql: { functions: [{ name: 'rate', detail: '(range-vector) → instant-vector', doc: 'Per-second rate.' }, { name: 'round', detail: '', doc: '' }], aggregations: [], keywords: [] },
              logql: { rangeAggregations: [], vectorAggregations: [], stages: [], keywords: [] },
            },
          }
        : { status: 'success', data: ['rate_limited_total'] };
    return new Response(JSON.stringify(body), { status: 200 });
  });

  it('highlights tokens, underlines the server parser problem and lists it with its position', async () => {
    vi.stubGlobal('fetch', fakeFetch);
    vi.useFakeTimers();
    render(<QueryEditor id="q" label="Query" lang="promql" value="rate(" onChange={() => undefined} />, root);
    expect(root.querySelector('.tok-function')?.textContent).toBe('rate');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(300);
    });
    vi.useRealTimers();
    await act(async () => {
      await new Promise((r) => setTimeout(r, 10));
    });
    expect(root.querySelector('.qe-problems')?.textContent).toContain('1:6');
    expect(root.querySelector('.qe-problems')?.textContent).toContain('unclosed left parenthesis');
    expect(root.querySelector('textarea')?.getAttribute('aria-invalid')).toBe('true');
    expect(root.querySelector('.qe-error')).not.toBeNull();
  });

  it('offers functions and metric names as the user types, and inserts the choice', async () => {
    vi.stubGlobal('fetch', fakeFetch);
    let value = '';
    function Host() {
      const [v, setV] = useState('');
      value = v;
      return <QueryEditor id="q" label="Query" lang="promql" value={v} check={false} onChange={setV} />;
    }
    render(<Host />, root);
    const ta = root.querySelector('textarea') as HTMLTextAreaElement;
    await act(async () => {
      ta.value = 'ra';
      ta.setSelectionRange(2, 2);
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    });
    // The lookups start in an effect, which act() runs as it ends: let their answers arrive.
    await act(async () => {
      await new Promise((r) => setTimeout(r, 50));
    });
    const options = [...root.querySelectorAll('[role="option"] .qe-item-label')].map((e) => e.textContent);
    expect(options).toEqual(['rate', 'rate_limited_total']);
    expect(ta.getAttribute('aria-expanded')).toBe('true');
    await act(async () => {
      ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(value).toBe('rate()');
  });

  it('runs the query on Enter when the word under the cursor is already complete', async () => {
    vi.stubGlobal('fetch', fakeFetch);
    const runs: string[] = [];
    function Host() {
      const [v, setV] = useState('');
      return <QueryEditor id="q" label="Query" lang="promql" value={v} check={false} onChange={setV} onRun={() => runs.push(v)} />;
    }
    render(<Host />, root);
    const ta = root.querySelector('textarea') as HTMLTextAreaElement;
    await act(async () => {
      ta.value = 'rate_limited_total';
      ta.setSelectionRange(18, 18);
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(async () => {
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(ta.getAttribute('aria-expanded')).toBe('true');
    await act(async () => {
      ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    });
    expect(runs).toEqual(['rate_limited_total']);
  });
});

describe('cellsMoved', () => {
  it.each([
    { dx: 0, dy: 0, cells: { dx: 0, dy: 0 } },
    { dx: 100, dy: 38, cells: { dx: 2, dy: 1 } },
    { dx: -130, dy: -100, cells: { dx: -3, dy: -3 } },
  ])('turns a pointer move of $dx,$dy px on a 1192 px grid into $cells cells', ({ dx, dy, cells }) => {
    // 1192 px wide with 8 px gaps: 50 px per column.
    expect(cellsMoved(dx, dy, 1192)).toEqual(cells);
  });
});

describe('Graph', () => {
  const series = (n: number) => ({
    xs: [1, 2],
    ys: Array.from({ length: n }, (_, i) => [i, i + 1]),
    names: Array.from({ length: n }, (_, i) => (i === 0 ? `up{job="${EVIL}"}` : `s${i}`)),
    labels: Array.from({ length: n }, () => ({})),
  });

  it('names series as text in a legend whose entries toggle them', async () => {
    stubCanvas();
    // Inside act, so the mount's effects run now rather than after the clicks below.
    await act(() => {
      render(<Graph data={series(3)} label="g" />, root);
    });
    const items = [...root.querySelectorAll('.legend-item')] as HTMLButtonElement[];
    expect(items.map((b) => b.querySelector('.legend-name')?.textContent)).toEqual([`up{job="${EVIL}"}`, 's1', 's2']);
    expect(root.querySelector('img')).toBeNull();
    await act(() => items[1]!.click());
    expect(items.map((b) => b.getAttribute('aria-pressed'))).toEqual(['true', 'false', 'true']);
    await act(() => {
      items[2]!.dispatchEvent(new MouseEvent('click', { bubbles: true, ctrlKey: true }));
    });
    expect(items.map((b) => b.getAttribute('aria-pressed'))).toEqual(['false', 'false', 'true']);
    expect(root.querySelector('.graph-plot')?.getAttribute('data-render-ms')).toMatch(/^\d+(\.\d)?$/);
  });

  it(`draws at most ${MAX_GRAPH_SERIES} series and says how many were left out`, () => {
    stubCanvas();
    render(<Graph data={series(MAX_GRAPH_SERIES + 7)} label="g" />, root);
    expect(root.querySelectorAll('.legend-item').length).toBe(MAX_GRAPH_SERIES);
    expect(root.textContent).toContain(`Showing ${MAX_GRAPH_SERIES} of ${MAX_GRAPH_SERIES + 7} series (7 omitted)`);
  });
});
