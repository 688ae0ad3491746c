export { MAX_RULE_FILE_BYTES, type RecordingRule, type RuleGroup, parseRuleFile } from './rule-file.js';
