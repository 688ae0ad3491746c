import type { PipelineStage } from '../ast/ast.js';
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
  /** True when a stage other than the pushed-down filters can drop lines (then `limit` cannot be pushed down). */
  readonly dropsLines: boolean;
  /** True when there are no stages: lines and labels pass unchanged. */
  readonly empty: boolean;
  /** Runs one line; returns the resulting line or null when a stage dropped it. */
  run(line: string, tsNs: bigint, lbs: LabelsBuilder): string | null;
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
  const dropsLines = ordered.some((s) => (s.type === 'LineFilter' && !pushed.has(s)) || s.type === 'LabelFilter');
  const stages = ordered.map(compileStage);
  const n = stages.length;
  return {
    stages,
    lineContains,
    lineRegexes,
    dropsLines,
    empty: n === 0,
    run(line, tsNs, lbs) {
      let current: string | null = line;
      for (let i = 0; i < n && current !== null; i++) current = stages[i]!.process(current, tsNs, lbs);
      return current;
    },
  };
}
