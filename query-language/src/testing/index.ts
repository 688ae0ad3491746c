/**
 * `@vigil/query-language/testing`: test kits for code that uses the query engine — an in-memory
 * `SeriesSource` and the promqltest-style script runner; for LogQL an in-memory `LogSource` and
 * the data-script runner.
 */
export { compileMatcher, createMemorySource, type MemorySeries, type MemorySource } from './memory-source.js';
export { parseScript, parseSequence, parseSeriesLabels, type ScriptCommand, type SequenceValue, type SeriesLine } from './promql-script.js';
export { almostEqual, type ScriptCase, scriptCases } from './run-script.js';
export { createMemoryLogSource, type MemoryLogSource } from '../logql/testing/memory-log-source.js';
export { type LogqlScriptCase, logqlScriptCases } from '../logql/testing/logql-script.js';
