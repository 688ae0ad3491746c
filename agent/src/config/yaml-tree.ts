import { CORE_SCHEMA, constructFromEvents, EVENT_ID, type Event, parseEvents, realMapTag, SCALAR_STYLE, YAMLException } from 'js-yaml';

/**
 * One node of a parsed YAML document: its kind, its value (scalars: string, number, boolean or
 * null as the YAML 1.2 core schema resolves them) and where it starts in the source, so that
 * problems can be reported with a line and column. An alias is the node it refers to.
 */
export type YamlNode =
  | { kind: 'scalar'; start: number; value: unknown }
  | { kind: 'seq'; start: number; items: YamlNode[] }
  | { kind: 'map'; start: number; pairs: { key: YamlNode; value: YamlNode }[] };

/** A YAML syntax error (or a duplicate key) with its 0-based source offset, when known. */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number | undefined,
  ) {
    super(message);
  }
}

/** Maps source offsets to 1-based lines and columns (columns in UTF-16 units, as editors count). */
export class SourcePositions {
  private lineStarts: number[] | undefined;

  constructor(private readonly text: string) {}

  /** The 1-based line and column of `offset`. */
  at(offset: number): { line: number; column: number } {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }
}

const SCHEMA = CORE_SCHEMA.withTags(realMapTag);

/**
 * Parses one YAML document (YAML 1.2 core schema; duplicate keys are errors) into a tree of
 * {@link YamlNode}s. Undefined for an empty document (only comments or nothing).
 * Throws {@link YamlSyntaxError}.
 *
 * @example
 * const root = parseYamlTree('server: { url: "http://h:1" }'); // { kind: 'map', start: 0, pairs: [...] }
 */
export function parseYamlTree(text: string): YamlNode | undefined {
  let events: Event[];
  let docs: unknown[];
  try {
    events = parseEvents(text, {});
    docs = constructFromEvents(events, { source: text, schema: SCHEMA });
  } catch (err) {
    if (err instanceof YAMLException) throw new YamlSyntaxError(err.reason, err.mark?.position);
    throw err;
  }
  if (docs.length > 1) {
    const second = events.findIndex((e, i) => i > 0 && e.type === EVENT_ID.DOCUMENT);
    const next = events.slice(second + 1).find((e) => e.type !== EVENT_ID.POP && e.type !== EVENT_ID.DOCUMENT);
    throw new YamlSyntaxError(`expected one YAML document, found ${docs.length}`, next ? eventStart(next) : undefined);
  }
  const root = buildTree(text, events);
  if (root) attachValues(root, docs[0], new Set());
  return root;
}

/** Where an event's node starts: its anchor or tag if it has one, else its content; -1 when empty. */
function eventStart(e: Event): number {
  if (e.type === EVENT_ID.SCALAR) {
    // A quoted scalar's value starts after its opening quote.
    const quoted = e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED;
    return firstOf(e.anchorStart, e.tagStart, quoted && e.valueStart > 0 ? e.valueStart - 1 : e.valueStart);
  }
  if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) return firstOf(e.anchorStart, e.tagStart, e.start);
  if (e.type === EVENT_ID.ALIAS) return e.anchorStart - 1; // the `*`
  return -1;
}

function firstOf(...offsets: number[]): number {
  const known = offsets.filter((o) => o >= 0);
  // Anchors (&a) and tags (!!str) are written before the content, so the smallest offset.
  return known.length > 0 ? Math.min(...known) : -1;
}

/** Builds the node tree of the (single) document from the event stream; values are added later. */
function buildTree(text: string, events: Event[]): YamlNode | undefined {
  type Open = { node: YamlNode | undefined; pendingKey: YamlNode | undefined };
  const stack: Open[] = [];
  const anchors = new Map<string, YamlNode>();
  let root: YamlNode | undefined;

  const attach = (node: YamlNode): void => {
    const parent = stack.at(-1)!;
    const p = parent.node;
    if (p === undefined) root = node;
    else if (p.kind === 'seq') {
      if (node.start < 0) node.start = p.start;
      p.items.push(node);
    } else if (p.kind === 'map') {
      if (parent.pendingKey === undefined) {
        if (node.start < 0) node.start = p.start;
        parent.pendingKey = node;
      } else {
        // An empty value (`key:`) is reported at its key.
        if (node.start < 0) node.start = parent.pendingKey.start;
        p.pairs.push({ key: parent.pendingKey, value: node });
        parent.pendingKey = undefined;
      }
    }
  };

  for (const e of events) {
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
        stack.push({ node: undefined, pendingKey: undefined });
        break;
      case EVENT_ID.POP:
        stack.pop();
        break;
      case EVENT_ID.ALIAS: {
        const target = anchors.get(text.slice(e.anchorStart, e.anchorEnd));
        if (target) attach(target);
        break;
      }
      default: {
        const start = eventStart(e);
        const node: YamlNode =
          e.type === EVENT_ID.SCALAR
            ? { kind: 'scalar', start, value: null }
            : e.type === EVENT_ID.SEQUENCE
              ? { kind: 'seq', start, items: [] }
              : { kind: 'map', start, pairs: [] };
        attach(node);
        if (e.anchorStart >= 0) anchors.set(text.slice(e.anchorStart, e.anchorEnd), node);
        if (node.kind !== 'scalar') stack.push({ node, pendingKey: undefined });
      }
    }
  }
  return root;
}

/** Copies the constructed values onto the tree; both have the same shape (mappings keep their order). */
function attachValues(node: YamlNode, value: unknown, seen: Set<YamlNode>): void {
  if (seen.has(node)) return; // an alias seen before (or an alias to an enclosing node)
  seen.add(node);
  if (node.kind === 'scalar') node.value = value;
  else if (node.kind === 'seq') {
    const items = Array.isArray(value) ? value : [];
    for (const [i, n] of node.items.entries()) attachValues(n, items[i], seen);
  } else {
    const entries = value instanceof Map ? [...value] : [];
    for (const [i, p] of node.pairs.entries()) {
      attachValues(p.key, entries[i]?.[0], seen);
      attachValues(p.value, entries[i]?.[1], seen);
    }
  }
}
