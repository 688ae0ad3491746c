import { describe, expect, it } from 'vitest';
import type { AlarmState } from '../alarm/state.js';
import { evaluateComposite, findCompositeCycle, parseCompositeRule } from './composite.js';

const states: Record<string, AlarmState> = { 'db-high': 'ALARM', deploying: 'OK', cpu: 'INSUFFICIENT_DATA', OK: 'ALARM' };
const run = (rule: string) => evaluateComposite(parseCompositeRule(rule).ast, (n) => states[n]);

describe('parseCompositeRule', () => {
  it.each([
    ['ALARM("db-high")', true],
    ['OK("db-high")', false],
    ['INSUFFICIENT_DATA(cpu)', true],
    ['ALARM("db-high") AND NOT OK("deploying")', false],
    ['ALARM("db-high") AND NOT ALARM("deploying")', true],
    ['ALARM(db-high) OR FALSE', true],
    ['TRUE AND FALSE OR TRUE', true],
    ['FALSE AND (FALSE OR TRUE)', false],
    ['TRUE OR TRUE AND FALSE', true],
    ['NOT NOT TRUE', true],
    ['NOT (ALARM(cpu) OR OK(cpu))', true],
    ["ALARM('db-high')", true],
    ['ALARM(OK)', true],
    ['ALARM("missing")', false],
    ['NOT ALARM("missing")', true],
    ['  ALARM( "db-high" )\n AND\tTRUE ', true],
  ])('%s → %s', (rule, expected) => {
    expect(run(rule)).toBe(expected);
  });

  it('lists references once, in order', () => {
    expect(parseCompositeRule('ALARM(b) AND (OK(a) OR ALARM(b)) AND NOT INSUFFICIENT_DATA("c d")').references).toEqual(['b', 'a', 'c d']);
  });

  it('AND binds tighter than OR', () => {
    expect(parseCompositeRule('TRUE OR FALSE AND FALSE').ast).toEqual({
      kind: 'or',
      operands: [{ kind: 'const', value: true }, { kind: 'and', operands: [{ kind: 'const', value: false }, { kind: 'const', value: false }] }],
    });
  });

  it.each([
    ['', /empty/],
    ['ALARM("a"', /1:10: parse error: unexpected end of input/],
    ['ALARM("a") AND', /1:15: parse error: unexpected end of input/],
    ['ALARM("a") XOR OK("b")', /1:12: parse error/],
    ['alarm("a")', /1:1: parse error/],
    ['ALARM()', /1:7: parse error: unexpected "\)"/],
    ['ALARM("a") $', /1:12: parse error: unexpected character "\$"/],
    ['(TRUE', /unexpected end of input/],
    ['TRUE)', /1:5: parse error: unexpected "\)"/],
    [`${'('.repeat(100)}TRUE${')'.repeat(100)}`, /nests deeper than 64/],
    [`${'NOT '.repeat(100)}TRUE`, /nests deeper than 64/],
  ])('rejects %j', (rule, message) => {
    expect(() => parseCompositeRule(rule)).toThrow(message);
  });

  it('rejects over-long rules', () => {
    expect(() => parseCompositeRule(`TRUE${' OR TRUE'.repeat(2000)}`)).toThrow(/longer than 10240/);
  });
});

describe('findCompositeCycle', () => {
  it('finds direct, indirect and self cycles', () => {
    expect(findCompositeCycle(new Map([['a', ['a']]]))).toEqual(['a', 'a']);
    expect(findCompositeCycle(new Map([['a', ['b']], ['b', ['a']]]))).toEqual(['a', 'b', 'a']);
    expect(findCompositeCycle(new Map([['a', ['x', 'b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
  });
  it('accepts a diamond', () => {
    expect(findCompositeCycle(new Map([['a', ['b', 'c']], ['b', ['d']], ['c', ['d']], ['d', ['x']]]))).toBeNull();
  });
});
