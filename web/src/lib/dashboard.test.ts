import { describe, expect, it } from 'vitest';
import { ALL_VALUE, type Panel, adjustGrid, newPanelId, placeNewPanel, substituteVariables, variableText } from './dashboard';

const panel = (id: string, x: number, y: number, w: number, h: number): Panel => ({
  id,
  title: id,
  type: 'timeseries',
  language: 'promql',
  query: 'up',
  unit: '',
  grid: { x, y, w, h },
});

describe('variableText', () => {
  it.each([
    { values: ['web-1'], text: 'web-1' },
    { values: ['a', 'b.c'], text: 'a|b\\\\.c' },
    { values: [ALL_VALUE, 'a'], text: '.+' },
    { values: ['say "hi"'], text: 'say \\"hi\\"' },
    { values: [], text: '' },
  ])('stands $values for $text', ({ values, text }) => {
    expect(variableText(values)).toBe(text);
  });
});

describe('substituteVariables', () => {
  it('replaces bare and braced variables and macros, and leaves unknown names for the parser to name', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: `${dc}` is dashboard variable syntax, not a template.
    const q = 'rate(x{host=~"$host", dc="${dc}"}[$__rate_interval]) + $unknown';
    expect(substituteVariables(q, { host: ['a', 'b'], dc: ['eu'] }, { __rate_interval: '1m' })).toBe('rate(x{host=~"a|b", dc="eu"}[1m]) + $unknown');
  });

  it('cannot end the string a value sits in (a value is data, not query text)', () => {
    const q = '{job="$job"}';
    expect(substituteVariables(q, { job: ['x"} or vector(1) #'] }, {})).toBe('{job="x\\"} or vector(1) #"}');
  });
});

describe('placeNewPanel', () => {
  it.each([
    { panels: [], grid: { x: 0, y: 0, w: 12, h: 8 } },
    { panels: [panel('a', 0, 0, 12, 8)], grid: { x: 12, y: 0, w: 12, h: 8 } },
    { panels: [panel('a', 0, 0, 12, 8), panel('b', 12, 0, 12, 8)], grid: { x: 0, y: 8, w: 12, h: 8 } },
  ])('puts a new panel beside the last row or below it ($grid)', ({ panels, grid }) => {
    expect(placeNewPanel(panels)).toEqual(grid);
  });
});

describe('adjustGrid and newPanelId', () => {
  it('keeps a panel inside the 24 columns', () => {
    expect(adjustGrid({ x: 20, y: 0, w: 4, h: 8 }, { w: 10 })).toEqual({ x: 14, y: 0, w: 10, h: 8 });
    expect(adjustGrid({ x: 0, y: 0, w: 4, h: 8 }, { h: 0, y: -3 })).toEqual({ x: 0, y: 0, w: 4, h: 2 });
  });
  it('finds an unused panel id', () => {
    expect(newPanelId([panel('panel-2', 0, 0, 1, 1)])).toBe('panel-3');
  });
});
