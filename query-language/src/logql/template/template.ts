/**
 * The Go `text/template` subset that LogQL's `line_format` and `label_format` use in practice:
 * text, `{{ pipeline }}` actions with `{{-`/`-}}` trimming and comments, field references
 * (`.label`), string/number/bool literals, function calls with arguments, pipes (the piped value
 * becomes the last argument, as in Go), parentheses, and `if` / `else if` / `else` / `end`.
 * Functions come from one table (`template-functions.ts`). Not supported: variables, `range`,
 * `with`, `define`/`template`, method calls.
 *
 * Templates are compiled once per query; `execute` never mutates its context and throws a
 * `TemplateError` on a runtime failure (the calling stage turns it into `__error__`).
 */
import { TEMPLATE_FUNCTIONS, type TemplateFunction, type TemplateValue, TimeValue, toText, truthy } from './template-functions.js';

/** A template compile or execution error; `message` reads like Go's (`template: line:1: ...`). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** What a template reads: label values (undefined when absent), the current line and timestamp. */
export interface TemplateContext {
  label(name: string): string | undefined;
  /**
   * The value of a variable path when the template was compiled with `variables`: `$labels.job`
   * asks for `labels.job`, `$value` for `value`, `$` for ''. Undefined prints as "".
   */
  variable?(path: string): TemplateValue | undefined;
  line: string;
  tsNs: bigint;
}

/** A compiled template. */
export interface CompiledTemplate {
  /** Renders the template; throws `TemplateError` on a runtime failure. */
  execute(ctx: TemplateContext): string;
  /** The labels the template reads with `.name`. */
  readonly fields: readonly string[];
  /** The template source. */
  readonly source: string;
}

type Operand =
  | { kind: 'field'; name: string }
  | { kind: 'variable'; path: string }
  | { kind: 'dot' }
  | { kind: 'literal'; value: TemplateValue }
  | { kind: 'func'; name: string; table?: ReadonlyMap<string, TemplateFunction> }
  | { kind: 'pipeline'; pipeline: Command[] };

type Command = Operand[];

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Command[] }
  | { kind: 'if'; branches: Array<{ cond: Command[]; body: Node[] }>; otherwise: Node[] | null };

interface ActionToken {
  /** The text between the delimiters, trimming markers removed. */
  body: string;
}

/**
 * Compiles a template. Throws `TemplateError` for syntax errors and unknown functions, so the
 * query is rejected at parse time as Loki rejects it.
 *
 * @example compileTemplate('{{ .method | ToUpper }} {{ .path }}').execute(ctx)
 */
/** Extensions for other template dialects (alert annotations use Prometheus' `$labels`, `humanize`, ...). */
export interface TemplateOptions {
  /** Extra functions, looked up before the LogQL ones. */
  functions?: ReadonlyMap<string, TemplateFunction>;
  /** Accept `$name.path` variables (resolved by `TemplateContext.variable`). @default false */
  variables?: boolean;
}

export function compileTemplate(source: string, name = 'line', options: TemplateOptions = {}): CompiledTemplate {
  const parts = split(source, name);
  const opts = options;
  const fields = new Set<string>();
  let at = 0;
  const parseList = (terminators: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (at < parts.length) {
      const part = parts[at++]!;
      if (typeof part === 'string') {
        if (part !== '') nodes.push({ kind: 'text', text: part });
        continue;
      }
      const body = part.body.trim();
      if (body.startsWith('/*')) continue;
      const word = /^[a-z]+\b/.exec(body)?.[0];
      if (word === 'end' || word === 'else') {
        if (!terminators.includes(word)) throw new TemplateError(`template: ${name}:1: unexpected {{${word}}}`);
        at--;
        return { nodes, end: word };
      }
      if (word === 'if') {
        const branches: Array<{ cond: Command[]; body: Node[] }> = [];
        let cond = parsePipeline(body.slice(2), name, fields, opts);
        let otherwise: Node[] | null = null;
        for (;;) {
          const inner = parseList(['end', 'else']);
          branches.push({ cond, body: inner.nodes });
          const closing = parts[at++] as ActionToken | undefined;
          if (!closing) throw new TemplateError(`template: ${name}:1: unexpected EOF`);
          const text = closing.body.trim();
          if (text === 'end') break;
          const elseIf = /^else\s+if\b/.exec(text);
          if (elseIf) {
            cond = parsePipeline(text.slice(elseIf[0].length), name, fields, opts);
            continue;
          }
          if (text !== 'else') throw new TemplateError(`template: ${name}:1: unexpected ${JSON.stringify(text)} in if`);
          const last = parseList(['end']);
          otherwise = last.nodes;
          const end = parts[at++] as ActionToken | undefined;
          if (!end || end.body.trim() !== 'end') throw new TemplateError(`template: ${name}:1: unexpected EOF`);
          break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
        continue;
      }
      if (word === 'range' || word === 'with' || word === 'define' || word === 'template' || word === 'block') {
        throw new TemplateError(`template: ${name}:1: {{${word}}} is not supported`);
      }
      nodes.push({ kind: 'action', pipeline: parsePipeline(body, name, fields, opts) });
    }
    if (terminators.length > 0) throw new TemplateError(`template: ${name}:1: unexpected EOF`);
    return { nodes, end: '' };
  };
  const { nodes } = parseList([]);
  const fieldList = [...fields];
  // A template without actions renders to its text: no per-line work at all.
  const constant = nodes.every((n) => n.kind === 'text') ? nodes.map((n) => (n as { text: string }).text).join('') : undefined;
  return {
    source,
    fields: fieldList,
    execute(ctx) {
      if (constant !== undefined) return constant;
      return render(nodes, ctx, name);
    },
  };
}

/** Splits the source into text and action bodies, applying `{{-` / `-}}` whitespace trimming. */
function split(source: string, name: string): Array<string | ActionToken> {
  const out: Array<string | ActionToken> = [];
  let i = 0;
  let trimNext = false;
  while (i <= source.length) {
    const open = source.indexOf('{{', i);
    let text = open < 0 ? source.slice(i) : source.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      out.push(text);
      break;
    }
    let bodyStart = open + 2;
    if (source[bodyStart] === '-' && /\s/.test(source[bodyStart + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      bodyStart++;
    }
    out.push(text);
    const close = findClose(source, bodyStart);
    if (close < 0) throw new TemplateError(`template: ${name}:1: unclosed action`);
    let bodyEnd = close;
    trimNext = false;
    if (source[close - 1] === '-' && /\s/.test(source[close - 2] ?? '')) {
      bodyEnd = close - 1;
      trimNext = true;
    }
    out.push({ body: source.slice(bodyStart, bodyEnd) });
    i = close + 2;
  }
  return out;
}

/** The index of the `}}` closing an action, skipping quoted strings. */
function findClose(source: string, from: number): number {
  for (let i = from; i < source.length; i++) {
    const ch = source[i];
    if (ch === '"') {
      for (i++; i < source.length && source[i] !== '"'; i++) if (source[i] === '\\') i++;
    } else if (ch === '`') {
      i = source.indexOf('`', i + 1);
      if (i < 0) return -1;
    } else if (ch === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

const TOKEN = /\s*(?:(\.[a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)|(\.)(?![a-zA-Z_])|("(?:[^"\\]|\\.)*")|(`[^`]*`)|([+-]?(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+))|([a-zA-Z_][a-zA-Z0-9_]*)|(\()|(\))|(\|)|(\$[a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)|(\S))/y;

function parsePipeline(text: string, name: string, fields: Set<string>, opts: TemplateOptions): Command[] {
  const tokens: Array<{ type: string; text: string }> = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      if (/^\s*$/.test(text.slice(start))) break;
      throw new TemplateError(`template: ${name}:1: unexpected ${JSON.stringify(text.slice(start).trim())}`);
    }
    const [, field, dot, str, raw, num, ident, lp, rp, pipe, variable, other] = m;
    if (field) tokens.push({ type: 'field', text: field.slice(1) });
    else if (dot) tokens.push({ type: 'dot', text: '.' });
    else if (str) tokens.push({ type: 'string', text: str });
    else if (raw) tokens.push({ type: 'raw', text: raw });
    else if (num) tokens.push({ type: 'number', text: num });
    else if (ident) tokens.push({ type: 'ident', text: ident });
    else if (lp) tokens.push({ type: '(', text: lp });
    else if (rp) tokens.push({ type: ')', text: rp });
    else if (pipe) tokens.push({ type: '|', text: pipe });
    else if (variable) {
      if (!opts.variables) throw new TemplateError(`template: ${name}:1: variables are not supported: ${variable}`);
      tokens.push({ type: 'variable', text: variable.slice(1) });
    }
    else if (other) throw new TemplateError(`template: ${name}:1: unexpected ${JSON.stringify(other)} in command`);
  }
  let pos = 0;
  const parseCommands = (): Command[] => {
    const commands: Command[] = [];
    let current: Command = [];
    while (pos < tokens.length) {
      const t = tokens[pos]!;
      if (t.type === ')') break;
      pos++;
      switch (t.type) {
        case '|':
          if (current.length === 0) throw new TemplateError(`template: ${name}:1: missing command`);
          commands.push(current);
          current = [];
          break;
        case '(': {
          const inner = parseCommands();
          if (tokens[pos]?.type !== ')') throw new TemplateError(`template: ${name}:1: unclosed left paren`);
          pos++;
          current.push({ kind: 'pipeline', pipeline: inner });
          break;
        }
        case 'field':
          fields.add(t.text);
          current.push({ kind: 'field', name: t.text });
          break;
        case 'dot':
          current.push({ kind: 'dot' });
          break;
        case 'variable':
          current.push({ kind: 'variable', path: t.text });
          break;
        case 'string':
          current.push({ kind: 'literal', value: unquoteGo(t.text, name) });
          break;
        case 'raw':
          current.push({ kind: 'literal', value: t.text.slice(1, -1) });
          break;
        case 'number':
          current.push({ kind: 'literal', value: Number(t.text) });
          break;
        case 'ident':
          if (t.text === 'true' || t.text === 'false') current.push({ kind: 'literal', value: t.text === 'true' });
          else if (t.text === 'nil') current.push({ kind: 'literal', value: null });
          else {
            if (!opts.functions?.has(t.text) && !TEMPLATE_FUNCTIONS.has(t.text)) throw new TemplateError(`template: ${name}:1: function "${t.text}" not defined`);
            current.push({ kind: 'func', name: t.text, table: opts.functions?.has(t.text) ? opts.functions : undefined });
          }
          break;
      }
    }
    if (current.length === 0) throw new TemplateError(`template: ${name}:1: missing value for command`);
    commands.push(current);
    return commands;
  };
  const commands = parseCommands();
  if (pos < tokens.length) throw new TemplateError(`template: ${name}:1: unexpected ")"`);
  commands.forEach((cmd, i) => {
    if (i > 0 && cmd[0]?.kind !== 'func' && cmd.length >= 1) {
      throw new TemplateError(`template: ${name}:1: non executable command in pipeline stage ${i + 1}`);
    }
    if (cmd[0]?.kind !== 'func' && cmd.length > 1) {
      throw new TemplateError(`template: ${name}:1: can't give argument to non-function`);
    }
  });
  return commands;
}

function unquoteGo(text: string, name: string): string {
  try {
    return JSON.parse(text.replace(/\\([abfnrtv'])/g, (_m, c: string) => ({ a: '\\u0007', b: '\\b', f: '\\f', n: '\\n', r: '\\r', t: '\\t', v: '\\u000b', "'": "'" })[c] ?? c)) as string;
  } catch {
    throw new TemplateError(`template: ${name}:1: invalid syntax in string ${text}`);
  }
}

function render(nodes: Node[], ctx: TemplateContext, name: string): string {
  let out = '';
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out += node.text;
        break;
      case 'action':
        out += toText(evalPipeline(node.pipeline, ctx, name));
        break;
      case 'if': {
        let done = false;
        for (const branch of node.branches) {
          if (truthy(evalPipeline(branch.cond, ctx, name))) {
            out += render(branch.body, ctx, name);
            done = true;
            break;
          }
        }
        if (!done && node.otherwise) out += render(node.otherwise, ctx, name);
        break;
      }
    }
  }
  return out;
}

function evalPipeline(commands: Command[], ctx: TemplateContext, name: string): TemplateValue {
  let piped: TemplateValue | undefined;
  let first = true;
  for (const cmd of commands) {
    piped = evalCommand(cmd, ctx, name, first ? undefined : { value: piped ?? null });
    first = false;
  }
  return piped ?? null;
}

function evalOperand(op: Operand, ctx: TemplateContext, name: string): TemplateValue {
  switch (op.kind) {
    case 'field':
      return ctx.label(op.name) ?? '';
    case 'dot':
      return ctx.variable?.('') ?? '';
    case 'variable':
      return ctx.variable?.(op.path) ?? '';
    case 'literal':
      return op.value;
    case 'pipeline':
      return evalPipeline(op.pipeline, ctx, name);
    case 'func':
      return callFunction(op.name, [], ctx, name, op.table);
  }
}

function evalCommand(cmd: Command, ctx: TemplateContext, name: string, piped: { value: TemplateValue } | undefined): TemplateValue {
  const head = cmd[0]!;
  if (head.kind !== 'func') return evalOperand(head, ctx, name);
  const args: TemplateValue[] = [];
  for (let i = 1; i < cmd.length; i++) args.push(evalOperand(cmd[i]!, ctx, name));
  if (piped) args.push(piped.value);
  return callFunction(head.name, args, ctx, name, head.table);
}

function callFunction(fn: string, args: TemplateValue[], ctx: TemplateContext, name: string, table?: ReadonlyMap<string, TemplateFunction>): TemplateValue {
  const def = table?.get(fn) ?? TEMPLATE_FUNCTIONS.get(fn)!;
  if (!table) {
    if (fn === '__line__') return ctx.line;
    if (fn === '__timestamp__') return new TimeValue(ctx.tsNs);
  }
  if (args.length < def.minArgs || (def.maxArgs >= 0 && args.length > def.maxArgs)) {
    const want = def.maxArgs === def.minArgs ? `${def.minArgs}` : `at least ${def.minArgs}`;
    throw new TemplateError(`template: ${name}:1: wrong number of args for ${fn}: want ${want} got ${args.length}`);
  }
  try {
    return def.fn(args);
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw new TemplateError(`template: ${name}:1: error calling ${fn}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
