/**
 * `@vigil/query-language/testing`: test kits for code that uses the query engine — an in-memory
 * `SeriesSource` and the promqltest-style script runner.
 */
export { compileMatcher, createMemorySource, type MemorySeries, type MemorySource } from './memory-source.js';
export { parseScript, parseSequence, parseSeriesLabels, type ScriptCommand, type SequenceValue, type SeriesLine } from './promql-script.js';
export { almostEqual, type ScriptCase, scriptCases } from './run-script.js';
