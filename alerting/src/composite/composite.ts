/**
 * Composite alarm rules, CloudWatch's syntax: `ALARM("db-high") AND NOT OK("deploying")`.
 *
 * - `ALARM(name)`, `OK(name)`, `INSUFFICIENT_DATA(name)`: true when the named alarm is in that
 *   state; the name is a double- or single-quoted string, or bare when it is only letters,
 *   digits and `_ - . : /`.
 * - `TRUE`, `FALSE`, `NOT`, `AND`, `OR` and parentheses; `NOT` binds tighter than `AND`, which
 *   binds tighter than `OR` (so `a OR b AND c` is `a OR (b AND c)`). Keywords are upper case,
 *   as in CloudWatch.
 *
 * Parsed with Chevrotain (lexer + CST-less embedded actions). Errors carry the 1-based column:
 * `1:12: parse error: expected ")" but found "AND"`.
 */
import { createToken, EmbeddedActionsParser, type IToken, Lexer, type TokenType } from 'chevrotain';
import type { AlarmState } from '../alarm/state.js';
import { AlertingError } from '../errors.js';

/** The parsed form of a composite rule. */
export type CompositeNode =
  | { kind: 'state'; state: AlarmState; alarm: string }
  | { kind: 'const'; value: boolean }
  | { kind: 'not'; operand: CompositeNode }
  | { kind: 'and' | 'or'; operands: CompositeNode[] };

/** Longest accepted rule, in characters (CloudWatch allows 10,240). */
export const MAX_RULE_LENGTH = 10_240;
/** Deepest nesting accepted (parentheses and NOTs). */
export const MAX_RULE_DEPTH = 64;

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
const Name = createToken({ name: 'Name', pattern: /[A-Za-z0-9_][A-Za-z0-9_\-.:/]*/ });
const keyword = (name: string) => createToken({ name, pattern: new RegExp(`${name}(?![A-Za-z0-9_\\-.:/])`), longer_alt: Name });
const Alarm = keyword('ALARM');
const Ok = keyword('OK');
const Insufficient = keyword('INSUFFICIENT_DATA');
const And = keyword('AND');
const Or = keyword('OR');
const Not = keyword('NOT');
const True = keyword('TRUE');
const False = keyword('FALSE');
const DoubleQuoted = createToken({ name: 'DoubleQuoted', pattern: /"(?:[^"\\\n]|\\.)*"/ });
const SingleQuoted = createToken({ name: 'SingleQuoted', pattern: /'(?:[^'\\\n]|\\.)*'/ });
const LParen = createToken({ name: 'LParen', pattern: /\(/, label: '"("' });
const RParen = createToken({ name: 'RParen', pattern: /\)/, label: '")"' });

const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  DoubleQuoted,
  SingleQuoted,
  LParen,
  RParen,
  Insufficient,
  Alarm,
  Ok,
  And,
  Or,
  Not,
  True,
  False,
  Name,
];

const lexer = new Lexer(ALL_TOKENS, { positionTracking: 'onlyOffset', ensureOptimizations: false });

class CompositeParser extends EmbeddedActionsParser {
  private depth = 0;

  constructor() {
    super(ALL_TOKENS, { maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  readonly rule = this.RULE('rule', (): CompositeNode => {
    const first = this.SUBRULE(this.conjunction);
    const rest: CompositeNode[] = [];
    this.MANY(() => {
      this.CONSUME(Or);
      rest.push(this.SUBRULE2(this.conjunction));
    });
    return rest.length === 0 ? first : { kind: 'or', operands: [first, ...rest] };
  });

  private readonly conjunction = this.RULE('conjunction', (): CompositeNode => {
    const first = this.SUBRULE(this.negation);
    const rest: CompositeNode[] = [];
    this.MANY(() => {
      this.CONSUME(And);
      rest.push(this.SUBRULE2(this.negation));
    });
    return rest.length === 0 ? first : { kind: 'and', operands: [first, ...rest] };
  });

  private readonly negation = this.RULE('negation', (): CompositeNode =>
    this.OR([
      {
        ALT: () => {
          const tok = this.CONSUME(Not);
          this.enter(tok);
          const operand = this.SUBRULE(this.negation);
          this.ACTION(() => this.depth--);
          return { kind: 'not', operand } as CompositeNode;
        },
      },
      { ALT: () => this.SUBRULE(this.atom) },
    ]),
  );

  private readonly atom = this.RULE('atom', (): CompositeNode =>
    this.OR([
      {
        ALT: () => {
          const tok = this.CONSUME(LParen);
          this.enter(tok);
          const inner = this.SUBRULE(this.rule);
          this.CONSUME(RParen);
          this.ACTION(() => this.depth--);
          return inner;
        },
      },
      {
        ALT: (): CompositeNode => {
          this.CONSUME(True);
          return { kind: 'const', value: true };
        },
      },
      {
        ALT: (): CompositeNode => {
          this.CONSUME(False);
          return { kind: 'const', value: false };
        },
      },
      { ALT: () => this.SUBRULE(this.stateCheck) },
    ]),
  );

  private readonly stateCheck = this.RULE('stateCheck', (): CompositeNode => {
    const fn = this.OR([{ ALT: () => this.CONSUME(Alarm) }, { ALT: () => this.CONSUME(Ok) }, { ALT: () => this.CONSUME(Insufficient) }]);
    this.CONSUME(LParen);
    const name = this.OR2([
      { ALT: () => this.CONSUME(DoubleQuoted) },
      { ALT: () => this.CONSUME(SingleQuoted) },
      { ALT: () => this.CONSUME(Name) },
      // Keywords are fine as bare alarm names: `ALARM(OK)`.
      { ALT: () => this.CONSUME2(Alarm) },
      { ALT: () => this.CONSUME2(Ok) },
      { ALT: () => this.CONSUME2(Insufficient) },
      { ALT: () => this.CONSUME2(And) },
      { ALT: () => this.CONSUME2(Or) },
      { ALT: () => this.CONSUME2(Not) },
      { ALT: () => this.CONSUME2(True) },
      { ALT: () => this.CONSUME2(False) },
    ]);
    this.CONSUME2(RParen);
    return this.ACTION(() => ({ kind: 'state', state: fn.image as AlarmState, alarm: alarmName(name) }) as CompositeNode);
  });

  private enter(tok: IToken): void {
    this.ACTION(() => {
      if (++this.depth > MAX_RULE_DEPTH) {
        throw new AlertingError('bad_data', `${column(tok)}: parse error: rule nests deeper than ${MAX_RULE_DEPTH} levels`);
      }
    });
  }

  resetDepth(): void {
    this.depth = 0;
  }
}

function column(tok: IToken): string {
  return `1:${tok.startOffset + 1}`;
}

function alarmName(tok: IToken): string {
  const image = tok.image;
  if (image.startsWith('"') || image.startsWith("'")) {
    const quote = image[0];
    return image.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => (c === quote || c === '\\' ? c : `\\${c}`));
  }
  return image;
}

let parser: CompositeParser | undefined;

/**
 * Parses a composite rule. Returns the tree and the alarm names it references (unique, in order
 * of appearance). Throws `AlertingError('bad_data')` naming the first problem and its column.
 *
 * @example
 * parseCompositeRule('ALARM("db-high") AND NOT OK(deploying)').references; // ['db-high', 'deploying']
 */
export function parseCompositeRule(text: string): { ast: CompositeNode; references: string[] } {
  if (typeof text !== 'string' || text.trim() === '') throw new AlertingError('bad_data', 'parse error: the rule is empty');
  if (text.length > MAX_RULE_LENGTH) throw new AlertingError('bad_data', `parse error: the rule is longer than ${MAX_RULE_LENGTH} characters`);
  const lexed = lexer.tokenize(text);
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0]!;
    throw new AlertingError('bad_data', `1:${e.offset + 1}: parse error: unexpected character ${JSON.stringify(text.slice(e.offset, e.offset + e.length).slice(0, 1))}`);
  }
  parser ??= new CompositeParser();
  parser.resetDepth();
  parser.input = lexed.tokens;
  const ast = parser.rule();
  if (parser.errors.length > 0) {
    const e = parser.errors[0]!;
    const tok = e.token;
    const at = Number.isFinite(tok.startOffset) ? `1:${tok.startOffset + 1}` : `1:${text.length + 1}`;
    const found = tok.tokenType?.name === 'EOF' || !Number.isFinite(tok.startOffset) ? 'end of input' : JSON.stringify(tok.image);
    throw new AlertingError('bad_data', `${at}: parse error: unexpected ${found}${expectation(e.message)}`);
  }
  const references: string[] = [];
  const walk = (n: CompositeNode): void => {
    if (n.kind === 'state') {
      if (!references.includes(n.alarm)) references.push(n.alarm);
    } else if (n.kind === 'not') walk(n.operand);
    else if (n.kind === 'and' || n.kind === 'or') n.operands.forEach(walk);
  };
  walk(ast);
  return { ast, references };
}

/** Turns Chevrotain's "Expecting ..." message into a short ", expected ..." tail. */
function expectation(message: string): string {
  const m = /Expecting:? (?:token of type )?(?:--> )?([^\n<]+?)(?: <--)? but found/.exec(message);
  if (m) return `, expected ${m[1]!.trim()}`;
  if (/one of these possible Token sequences/.test(message)) return ', expected an alarm state check, TRUE, FALSE, NOT or "("';
  return '';
}

/**
 * Evaluates a rule against the current states. An alarm that does not exist (or has no state
 * yet) matches no state check, so `NOT ALARM("gone")` is true.
 */
export function evaluateComposite(ast: CompositeNode, stateOf: (alarm: string) => AlarmState | undefined): boolean {
  switch (ast.kind) {
    case 'const':
      return ast.value;
    case 'state':
      return stateOf(ast.alarm) === ast.state;
    case 'not':
      return !evaluateComposite(ast.operand, stateOf);
    case 'and':
      return ast.operands.every((o) => evaluateComposite(o, stateOf));
    case 'or':
      return ast.operands.some((o) => evaluateComposite(o, stateOf));
  }
}

/**
 * Finds a cycle in "composite alarm → alarms its rule references" (self references included).
 * Returns the cycle as a path that starts and ends with the same alarm, or null.
 *
 * @example
 * findCompositeCycle(new Map([['a', ['b']], ['b', ['a']]])); // ['a', 'b', 'a']
 */
export function findCompositeCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    const at = onPath.get(node);
    if (at !== undefined) return [...path.slice(at), node];
    if (done.has(node)) return null;
    onPath.set(node, path.length);
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}
