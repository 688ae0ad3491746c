import type { JsonDropHint, SelectLogsParams } from '../../types.js';
import type { LabelMatcher } from '../../ast/ast.js';
import type { LabelFilterExpr, PipelineStage } from '../ast/ast.js';
import type { LabelsBuilder } from './labels-builder.js';
import { compileStage, type Stage } from './stages.js';

/** A pipeline ready to run, with what the engine may push down to the log source. */
export interface CompiledPipeline {
  /** The stages in execution order (line filters hoisted ahead of parsers, see `compilePipeline`). */
  readonly stages: readonly Stage[];
  /** Case-sensitive substrings every surviving line contains: safe as `lineContains` for the source. */
  readonly lineContains: readonly string[];
  /** RE2 patterns every surviving line matches (unanchored): safe as `lineRegexes` for the source. */
  readonly lineRegexes: readonly string[];
  /** Lines the pipeline is certain to drop, for `SelectLogsParams.jsonDrop`; undefined when none can be told from the text. */
  readonly jsonDrop: JsonDropHint | undefined;
  /** Label matchers that drop whole streams' lines, for `SelectLogsParams.streamDrop` (see there). */
  readonly streamDrop: readonly LabelMatcher[];
  /** True when a stage other than the pushed-down filters can drop lines (then `limit` cannot be pushed down). */
  readonly dropsLines: boolean;
  /** True when there are no stages: lines and labels pass unchanged. */
  readonly empty: boolean;
  /** Runs one line; returns the resulting line or null when a stage dropped it. */
  run(line: string, tsNs: bigint, lbs: LabelsBuilder): string | null;
}

/**
 * What a compiled pipeline lets the source do for it (`SelectLogsParams`): filters to apply and
 * lines it may leave out. Only the hints that have something in them are set.
 */
export function sourceHints(pipeline: CompiledPipeline): Pick<SelectLogsParams, 'lineContains' | 'lineRegexes' | 'jsonDrop' | 'streamDrop'> {
  return {
    ...(pipeline.lineContains.length > 0 ? { lineContains: pipeline.lineContains } : {}),
    ...(pipeline.lineRegexes.length > 0 ? { lineRegexes: pipeline.lineRegexes } : {}),
    ...(pipeline.jsonDrop ? { jsonDrop: pipeline.jsonDrop } : {}),
    ...(pipeline.streamDrop.length > 0 ? { streamDrop: pipeline.streamDrop } : {}),
  };
}

/** Stages that change the line, so a line filter cannot move across them. */
function changesLine(stage: PipelineStage): boolean {
  return stage.type === 'LineFormat' || stage.type === 'Decolorize' || stage.type === 'UnpackParser';
}

/**
 * Compiles a pipeline. Line filters are moved ahead of any parser, label filter or formatter
 * that does not change the line (so `| json | x="y" |= "abc"` tests `abc` before parsing JSON):
 * stages never drop or fail a line in a way a later line filter could observe, so the result is
 * the same and lines that fail the filter are never parsed. Contains-filters (`|= "x"`) ahead of
 * every line-changing stage become `lineContains`.
 */
export function compilePipeline(ast: readonly PipelineStage[]): CompiledPipeline {
  const ordered: PipelineStage[] = [];
  let barrier = 0;
  for (const stage of ast) {
    if (stage.type === 'LineFilter') {
      // Insert after the last line-changing stage and after the line filters already hoisted there.
      let at = barrier;
      while (at < ordered.length && ordered[at]!.type === 'LineFilter') at++;
      ordered.splice(at, 0, stage);
      continue;
    }
    ordered.push(stage);
    if (changesLine(stage)) barrier = ordered.length;
  }
  const lineContains: string[] = [];
  const lineRegexes: string[] = [];
  const pushed = new Set<PipelineStage>();
  for (const stage of ordered) {
    if (changesLine(stage)) break;
    if (stage.type === 'LineFilter' && stage.op === '|=' && stage.values.length === 1 && stage.values[0] !== '') {
      lineContains.push(stage.values[0]!);
      pushed.add(stage);
    } else if (stage.type === 'LineFilter' && stage.op === '|~' && stage.values.length === 1 && stage.values[0] !== '') {
      // RE2 in DuckDB and re2js here agree on syntax and on unanchored matching, so the source can
      // drop non-matching lines before they reach JS (the stage still runs on what is left).
      lineRegexes.push(stage.values[0]!);
      pushed.add(stage);
    }
  }
  const jsonDrop = jsonDropHint(ordered);
  const streamDrop = streamDropHint(ordered);
  const dropsLines = ordered.some((s) => (s.type === 'LineFilter' && !pushed.has(s)) || s.type === 'LabelFilter');
  const stages = ordered.map(compileStage);
  const n = stages.length;
  return {
    stages,
    lineContains,
    lineRegexes,
    jsonDrop,
    streamDrop,
    dropsLines,
    empty: n === 0,
    run(line, tsNs, lbs) {
      let current: string | null = line;
      for (let i = 0; i < n && current !== null; i++) current = stages[i]!.process(current, tsNs, lbs);
      return current;
    },
  };
}

/** Label names the `json` stage can only produce from a top-level key of the same text: no `_` (flattening, sanitising). */
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Derives a {@link JsonDropHint} from the stages in execution order: line filters, then a `json`
 * stage without parameters, then label filters. `__error__=""` (alone in its stage) makes
 * non-objects droppable; the first numeric filter on a plain key is described too, as long as
 * only label matchers (which never mark errors) come before it: a line whose conversion fails is
 * kept with an error, so later numeric filters can no longer be relied on.
 */
function jsonDropHint(ordered: readonly PipelineStage[]): JsonDropHint | undefined {
  let i = 0;
  while (i < ordered.length && ordered[i]!.type === 'LineFilter') i++;
  const json = ordered[i];
  if (!json || json.type !== 'JsonParser' || json.params.length > 0) return undefined;
  let guarded = false;
  const numeric: Array<JsonDropHint['numeric'][number]> = [];
  for (i++; i < ordered.length; i++) {
    const stage = ordered[i]!;
    if (stage.type !== 'LabelFilter') break;
    const f = stage.filter;
    if (f.type === 'LabelMatch') {
      if (f.matcher.name === '__error__' && f.matcher.op === '=' && f.matcher.value === '') guarded = true;
      continue;
    }
    if (f.type === 'NumberFilter' && PLAIN_KEY.test(f.label) && Number.isFinite(f.value)) {
      numeric.push({ key: f.label, op: f.op, value: f.value });
    }
    break;
  }
  return guarded || numeric.length > 0 ? { nonObject: guarded, numeric } : undefined;
}

/**
 * The label matchers of label filter stages (alone or joined by `and`) met before any stage that
 * can change labels (`label_format`, `drop`, `keep`): parsers only add labels (`_extracted` for
 * a name the stream already has), formatters of the line and filters change none.
 */
function streamDropHint(ordered: readonly PipelineStage[]): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  const collect = (f: LabelFilterExpr): boolean => {
    if (f.type === 'LabelMatch') {
      out.push(f.matcher);
      return true;
    }
    if (f.type === 'LabelFilterBinary' && f.op === 'and') {
      collect(f.lhs);
      collect(f.rhs);
    }
    return false;
  };
  for (const stage of ordered) {
    if (stage.type === 'LabelFormat' || stage.type === 'Drop' || stage.type === 'Keep') break;
    if (stage.type === 'LabelFilter') collect(stage.filter);
  }
  return out;
}
