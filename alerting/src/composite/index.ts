export { type CompositeNode, MAX_RULE_DEPTH, MAX_RULE_LENGTH, evaluateComposite, findCompositeCycle, parseCompositeRule } from './composite.js';
