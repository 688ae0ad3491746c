/**
 * `@vigil/alerting`: alarms (threshold, anomaly, composite), their evaluator and state machine,
 * the notification pipeline and notifiers, and autoscaling policies. Reads data only through the
 * `Querier` interface it declares; keeps state only through the store interfaces it declares.
 */
export { AlertingError, type AlertingErrorCode, isAlertingError } from './errors.js';
export {
  type AlarmDefinition,
  type AlarmLevel,
  type AnomalySettings,
  type Comparison,
  MAX_EVALUATION_PERIODS,
  MAX_LEVELS,
  breaches,
  parseAlarmDefinition,
  parseDurationSeconds,
} from './alarm/definition.js';
export {
  type AlarmState,
  type Datum,
  type Decision,
  type DecisionDetail,
  type InstanceState,
  type Observation,
  type StateRule,
  type Transition,
  type TreatMissingData,
  decide,
  initialState,
  next,
} from './alarm/state.js';
export { AlarmEvaluator, type BacktestResult, type EvaluatorOptions, MAX_BACKTEST_EVALUATIONS, fingerprintOf } from './evaluator/evaluator.js';
export type { AlarmStateStore, Episode, HistoryRecord, Querier, QuerySeries, StoredInstance, WrittenSample } from './evaluator/types.js';
export { type CompositeNode, MAX_RULE_DEPTH, MAX_RULE_LENGTH, evaluateComposite, findCompositeCycle, parseCompositeRule } from './composite/index.js';
export {
  ALERT_TEMPLATE_FUNCTIONS,
  type AlertTemplateData,
  type CompiledAlertTemplate,
  compileAlertTemplate,
  expandAlertTemplate,
  humanize,
  humanize1024,
  humanizeDuration,
} from './template/index.js';
export { type AnomalyBand, type AnomalyModel, anomalyBand, fitAnomalyModel, isOutside } from './anomaly/index.js';
export { MAX_RULE_FILE_BYTES, type RecordingRule, type RuleGroup, parseRuleFile } from './rules/index.js';
export * from './notify/index.js';
export * from './scaling/index.js';
