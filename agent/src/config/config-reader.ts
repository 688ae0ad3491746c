import { parseDurationMs, parseSizeBytes } from './units.js';
import type { SourcePositions, YamlNode } from './yaml-tree.js';

/** One problem found in a config file. */
export interface ConfigProblem {
  /** Where, as a path: `logs.sources[0].startAt`. */
  path: string;
  /** 1-based line and column in the file, when known. */
  line?: number;
  column?: number;
  message: string;
}

/**
 * A typed, problem-collecting view of one YAML node at a config path. Every accessor returns
 * undefined (and records a problem naming the path, line and column) when the value is wrong, so
 * one pass reports every problem of a file.
 *
 * @example
 * const r = new ConfigReader(parseYamlTree(text), '', problems, new SourcePositions(text));
 * const fields = r.object(['server', 'labels']);
 */
export class ConfigReader {
  constructor(
    readonly node: YamlNode | undefined,
    readonly path: string,
    private readonly problems: ConfigProblem[],
    private readonly positions: SourcePositions,
  ) {}

  /** Records a problem at this node. */
  report(message: string, node: YamlNode | undefined = this.node): void {
    const pos = node && node.start >= 0 ? this.positions.at(node.start) : undefined;
    this.problems.push({ path: this.path || '(top level)', line: pos?.line, column: pos?.column, message });
  }

  /** True when the value is absent or null. */
  get missing(): boolean {
    return this.node === undefined || (this.node.kind === 'scalar' && this.node.value === null);
  }

  /** The fields of a mapping, reporting fields not in `known`; undefined if not a mapping. */
  object(known: readonly string[]): Map<string, ConfigReader> | undefined {
    if (this.missing) return new Map();
    if (this.node?.kind !== 'map') {
      this.report('must be a mapping');
      return undefined;
    }
    const out = new Map<string, ConfigReader>();
    for (const pair of this.node.pairs) {
      const key = keyText(pair.key);
      if (!known.includes(key)) {
        this.report(`unknown field "${key}"; known fields: ${known.join(', ')}`, pair.key);
        continue;
      }
      out.set(key, new ConfigReader(pair.value, this.path ? `${this.path}.${key}` : key, this.problems, this.positions));
    }
    return out;
  }

  /** The entries of a mapping of string to string (label sets), checking names against `namePattern`. */
  stringMap(namePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/): Record<string, string> | undefined {
    if (this.missing) return {};
    if (this.node?.kind !== 'map') {
      this.report('must be a mapping of names to strings');
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const pair of this.node.pairs) {
      const k = keyText(pair.key);
      const child = this.child(k, pair.value);
      if (!namePattern.test(k)) child.report(`invalid label name "${k}"; must match ${namePattern.source}`, pair.key);
      else if (pair.value.kind !== 'scalar' || pair.value.value === null || typeof pair.value.value === 'object') {
        child.report('must be a string');
      } else out[k] = String(pair.value.value);
    }
    return out;
  }

  /** The items of a sequence. */
  list(): ConfigReader[] | undefined {
    if (this.missing) return [];
    if (this.node?.kind !== 'seq') {
      this.report('must be a list');
      return undefined;
    }
    return this.node.items.map((n, i) => new ConfigReader(n, `${this.path}[${i}]`, this.problems, this.positions));
  }

  /** A non-empty string. */
  string(): string | undefined {
    const v = this.scalar();
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') {
      this.report(`must be a non-empty string, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }

  /** A boolean. */
  boolean(): boolean | undefined {
    const v = this.scalar();
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      this.report(`must be true or false, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }

  /** An integer of at least `min`. */
  integer(min: number): number | undefined {
    const v = this.scalar();
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.report(`must be an integer of at least ${min}, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }

  /** A duration such as `15s`, in milliseconds, of at least `minMs`. */
  duration(minMs: number): number | undefined {
    const v = this.scalar();
    if (v === undefined) return undefined;
    const ms = typeof v === 'string' ? parseDurationMs(v) : undefined;
    if (ms === undefined) {
      this.report(`must be a duration such as "250ms", "15s", "1m", got ${JSON.stringify(v)}`);
      return undefined;
    }
    if (ms < minMs) {
      this.report(`must be at least ${minMs}ms, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return ms;
  }

  /** A byte size such as `16KiB` or a plain number, of at least `min` bytes. */
  size(min: number): number | undefined {
    const v = this.scalar();
    if (v === undefined) return undefined;
    const bytes = typeof v === 'number' ? v : typeof v === 'string' ? parseSizeBytes(v) : undefined;
    if (bytes === undefined || !Number.isFinite(bytes)) {
      this.report(`must be a size such as "16KiB", "256MiB" or a number of bytes, got ${JSON.stringify(v)}`);
      return undefined;
    }
    if (bytes < min) {
      this.report(`must be at least ${min} bytes, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return bytes;
  }

  /** One of `choices`. */
  oneOf<T extends string>(choices: readonly T[]): T | undefined {
    const v = this.scalar();
    if (v === undefined) return undefined;
    if (!choices.includes(v as T)) {
      this.report(`must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v as T;
  }

  /** A regular expression (compiled here, so a bad one is reported with its line). */
  regex(): RegExp | undefined {
    const v = this.string();
    if (v === undefined) return undefined;
    try {
      return new RegExp(v);
    } catch (err) {
      this.report(`invalid regular expression: ${(err as Error).message}`);
      return undefined;
    }
  }

  private scalar(): unknown {
    if (this.missing) return undefined;
    if (this.node?.kind !== 'scalar') {
      this.report('must be a single value');
      return undefined;
    }
    return this.node.value;
  }

  private child(key: string, node: YamlNode): ConfigReader {
    return new ConfigReader(node, `${this.path}.${key}`, this.problems, this.positions);
  }
}

/** A mapping key as text ('' for a collection used as a key). */
function keyText(key: YamlNode): string {
  return key.kind === 'scalar' ? String(key.value) : '';
}
