import type { LabelMatcher, MatchType } from '@vigil/storage';
import { badData } from '../errors.js';

/**
 * Parses a series selector as the `match[]` parameter carries it: `up`, `up{job="x"}`,
 * `{__name__=~"cpu_.*", host!="a"}` or the quoted-name form `{"metric.name", a="b"}`.
 *
 * This covers only selectors (no functions, ranges or offsets), which is all the series APIs take.
 *
 * @throws HttpError bad_data with the position of the problem.
 */
export function parseSeriesSelector(text: string, param = 'match[]'): LabelMatcher[] {
  const p = new SelectorParser(text, param);
  const matchers = p.parse();
  if (!matchers.some((m) => !matchesEmpty(m))) {
    throw badData(`invalid parameter ${JSON.stringify(param)}: match[] must contain at least one non-empty matcher`);
  }
  return matchers;
}

function matchesEmpty(m: LabelMatcher): boolean | undefined {
  switch (m.op) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return m.value === '' || m.value === '.*' || m.value.endsWith('|') || m.value === '.*?';
    case '!~':
      return !(m.value === '' || m.value === '.*');
  }
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;

class SelectorParser {
  private pos = 0;
  constructor(
    private readonly s: string,
    private readonly param: string,
  ) {}

  private fail(msg: string): never {
    throw badData(`invalid parameter ${JSON.stringify(this.param)}: 1:${this.pos + 1}: parse error: ${msg}`);
  }

  private ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  parse(): LabelMatcher[] {
    const out: LabelMatcher[] = [];
    this.ws();
    if (this.pos < this.s.length && NAME_START.test(this.s[this.pos]!)) {
      out.push({ name: '__name__', op: '=', value: this.identifier() });
      this.ws();
    }
    if (this.s[this.pos] === '{') {
      this.pos++;
      this.ws();
      while (this.s[this.pos] !== '}') {
        if (this.pos >= this.s.length) this.fail('unexpected end of input inside braces');
        const c = this.s[this.pos]!;
        if (c === '"' || c === "'" || c === '`') {
          const str = this.string();
          this.ws();
          if (this.s[this.pos] === ',' || this.s[this.pos] === '}') {
            out.push({ name: '__name__', op: '=', value: str });
          } else {
            out.push(this.matcherAfterName(str));
          }
        } else {
          out.push(this.matcherAfterName(this.identifier()));
        }
        this.ws();
        if (this.s[this.pos] === ',') {
          this.pos++;
          this.ws();
        } else if (this.s[this.pos] !== '}') {
          this.fail(`unexpected character inside braces: ${JSON.stringify(this.s[this.pos] ?? 'end of input')}`);
        }
      }
      this.pos++;
      this.ws();
    }
    if (this.pos < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s.slice(this.pos, this.pos + 10))}`);
    if (out.length === 0) this.fail('unexpected end of input, expected a selector');
    return out;
  }

  private matcherAfterName(name: string): LabelMatcher {
    this.ws();
    const two = this.s.slice(this.pos, this.pos + 2);
    let type: MatchType;
    if (two === '=~' || two === '!~' || two === '!=') {
      type = two;
      this.pos += 2;
    } else if (this.s[this.pos] === '=') {
      type = '=';
      this.pos++;
    } else {
      this.fail(`expected a label matching operator after ${JSON.stringify(name)}`);
    }
    this.ws();
    const c = this.s[this.pos];
    if (c !== '"' && c !== "'" && c !== '`') this.fail(`expected a string after ${JSON.stringify(`${name}${type}`)}`);
    return { name, op: type, value: this.string() };
  }

  private identifier(): string {
    const start = this.pos;
    if (!NAME_START.test(this.s[this.pos] ?? '')) this.fail('expected a label name');
    while (this.pos < this.s.length && NAME_CHAR.test(this.s[this.pos]!)) this.pos++;
    return this.s.slice(start, this.pos);
  }

  private string(): string {
    const quote = this.s[this.pos]!;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.s.length) this.fail('unterminated quoted string');
      const c = this.s[this.pos++]!;
      if (c === quote) return out;
      if (quote !== '`' && c === '\\') {
        const e = this.s[this.pos++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case '\\':
          case '"':
          case "'":
            out += e;
            break;
          case 'u': {
            const hex = this.s.slice(this.pos, this.pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
            out += String.fromCharCode(Number.parseInt(hex, 16));
            this.pos += 4;
            break;
          }
          default:
            this.fail(`unknown escape sequence \\${e ?? ''}`);
        }
      } else {
        out += c;
      }
    }
  }
}
