import { LabelsBuilder, compilePipeline, parseLogQL } from '@vigil/query-language';
import { type LabelMatcher, compileMatcher } from '@vigil/storage';
import type { CompiledLogPipeline } from './metric-filters/accumulator.js';

/**
 * Compiles a LogQL log query (`{selector} | stages...`) into a per-line function, for the places
 * that see lines one batch at a time rather than through the query engine: metric filters at
 * ingest and the live tail. The stages are the engine's own (`compilePipeline`), so a line is
 * kept or dropped, and its labels extracted, exactly as a query would.
 *
 * @throws Error with the parser's message (position included) when the text is not a log query.
 */
export function compileLogQueryPipeline(query: string): CompiledLogPipeline & { lineContains: readonly string[] } {
  const { expr, errors } = parseLogQL(query);
  if (!expr || errors.length > 0) throw new Error(errors.map((e) => e.message).join('; ') || 'parse error');
  if (expr.type !== 'LogQuery') throw new Error('expected a log query such as {app="api"} |= "error", not a metric query');
  const streamMatchers: LabelMatcher[] = expr.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value }));
  const compiled = streamMatchers.map(compileMatcher);
  const pipeline = compilePipeline(expr.pipeline);
  const builder = new LabelsBuilder();
  return {
    streamMatchers,
    lineContains: pipeline.lineContains,
    matchesStream(labels) {
      return compiled.every((m) => m.matches(labels[m.name] ?? ''));
    },
    process(labels, line, metadata) {
      if (pipeline.empty) return { ...labels, ...metadata };
      builder.setStream(labels, JSON.stringify(labels));
      builder.reset(metadata);
      // Every stage runs, pushed-down substring filters included: nothing filtered these lines yet.
      const out = pipeline.run(line, 0n, builder);
      return out === null ? undefined : builder.labels();
    },
  };
}
