import { CstParser, type CstNode, EOF, type TokenType, tokenMatcher } from 'chevrotain';
import { ALL_PROMQL_TOKENS } from '../lexer/lexer.js';
import * as T from '../lexer/tokens.js';

/**
 * The PromQL grammar as a pure Chevrotain `CstParser`: no embedded actions, so the same grammar
 * serves parsing, error recovery and tooling. The AST is built afterwards by `ast/build-ast.ts`.
 *
 * Precedence, loosest first (as Prometheus): `or` < `and unless` < comparisons < `+ -` <
 * `* / % atan2` < unary `+ -` < `^` (right-associative). Postfix `[range]`, `[range:step]`,
 * `offset` and `@` bind tightest.
 *
 * This class only defines rules; a subclass adds its own (LogQL's stream selectors and pipelines,
 * say) and then calls `performSelfAnalysis()`, as Chevrotain's grammar inheritance requires.
 */
export class PromqlGrammar extends CstParser {
  constructor(tokens: TokenType[] = ALL_PROMQL_TOKENS) {
    super(tokens, { recoveryEnabled: false, maxLookahead: 3, nodeLocationTracking: 'onlyOffset' });
  }

  /** The whole query: one expression and then the end of input. */
  public query = this.RULE('query', () => {
    this.SUBRULE(this.expression);
    this.CONSUME(EOF);
  });

  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpr);
  });

  public orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.Or, { LABEL: 'operators' });
      this.SUBRULE(this.binModifiers);
      this.SUBRULE2(this.andExpr, { LABEL: 'operands' });
    });
  });

  public andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.comparisonExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.And, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.Unless, { LABEL: 'operators' }) },
      ]);
      this.SUBRULE(this.binModifiers);
      this.SUBRULE2(this.comparisonExpr, { LABEL: 'operands' });
    });
  });

  public comparisonExpr = this.RULE('comparisonExpr', () => {
    this.SUBRULE(this.additiveExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.ComparisonOp, { LABEL: 'operators' });
      this.SUBRULE(this.binModifiers);
      this.SUBRULE2(this.additiveExpr, { LABEL: 'operands' });
    });
  });

  public additiveExpr = this.RULE('additiveExpr', () => {
    this.SUBRULE(this.multiplicativeExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: 'operators' }) },
      ]);
      this.SUBRULE(this.binModifiers);
      this.SUBRULE2(this.multiplicativeExpr, { LABEL: 'operands' });
    });
  });

  public multiplicativeExpr = this.RULE('multiplicativeExpr', () => {
    this.SUBRULE(this.unaryExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Mul, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.Div, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.Mod, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.Atan2, { LABEL: 'operators' }) },
      ]);
      this.SUBRULE(this.binModifiers);
      this.SUBRULE2(this.unaryExpr, { LABEL: 'operands' });
    });
  });

  public unaryExpr = this.RULE('unaryExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Plus, { LABEL: 'sign' }) },
            { ALT: () => this.CONSUME(T.Minus, { LABEL: 'sign' }) },
          ]);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.powerExpr) },
    ]);
  });

  public powerExpr = this.RULE('powerExpr', () => {
    this.SUBRULE(this.postfixExpr);
    this.OPTION(() => {
      this.CONSUME(T.Pow);
      this.SUBRULE(this.binModifiers);
      this.SUBRULE(this.unaryExpr);
    });
  });

  /** `bool`, `on(...)`/`ignoring(...)`, `group_left(...)`/`group_right(...)`; all optional. */
  public binModifiers = this.RULE('binModifiers', () => {
    this.OPTION(() => this.CONSUME(T.Bool));
    this.OPTION2(() => {
      this.OR([{ ALT: () => this.CONSUME(T.On) }, { ALT: () => this.CONSUME(T.Ignoring) }]);
      this.SUBRULE(this.labelList, { LABEL: 'matchingLabels' });
      this.OPTION3(() => {
        this.OR2([{ ALT: () => this.CONSUME(T.GroupLeft) }, { ALT: () => this.CONSUME(T.GroupRight) }]);
        this.OPTION4(() => this.SUBRULE2(this.labelList, { LABEL: 'includeLabels' }));
      });
    });
  });

  public postfixExpr = this.RULE('postfixExpr', () => {
    this.SUBRULE(this.primaryExpr);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.rangeSuffix) },
        { ALT: () => this.SUBRULE(this.offsetModifier) },
        { ALT: () => this.SUBRULE(this.atModifier) },
      ]);
    });
  });

  /** `[5m]` (range selector) or `[5m:1m]` / `[5m:]` (subquery). */
  public rangeSuffix = this.RULE('rangeSuffix', () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.durationValue, { LABEL: 'range' });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.OPTION2(() => this.SUBRULE2(this.durationValue, { LABEL: 'step' }));
    });
    this.CONSUME(T.RBracket);
  });

  public offsetModifier = this.RULE('offsetModifier', () => {
    this.CONSUME(T.Offset);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: 'sign' }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: 'sign' }) },
      ]);
    });
    this.SUBRULE(this.durationValue);
  });

  public atModifier = this.RULE('atModifier', () => {
    this.CONSUME(T.At);
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Plus, { LABEL: 'sign' }) },
              { ALT: () => this.CONSUME(T.Minus, { LABEL: 'sign' }) },
            ]);
          });
          this.CONSUME(T.NumberLike);
        },
      },
      {
        ALT: () => {
          this.OR3([{ ALT: () => this.CONSUME(T.Start) }, { ALT: () => this.CONSUME(T.End) }]);
          this.CONSUME(T.LParen);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  /** A duration literal, or a number of seconds (Prometheus 3.x accepts both). */
  public durationValue = this.RULE('durationValue', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Duration) }, { ALT: () => this.CONSUME(T.NumberLiteral) }]);
  });

  public primaryExpr = this.RULE('primaryExpr', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLike) },
      { ALT: () => this.CONSUME(T.Duration) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      {
        GATE: () => this.isAggregationStart(),
        ALT: () => this.SUBRULE(this.aggregateExpr),
      },
      {
        GATE: () => tokenMatcher(this.LA(2), T.LParen),
        ALT: () => this.SUBRULE(this.functionCall),
      },
      { ALT: () => this.SUBRULE(this.vectorSelector) },
    ]);
  });

  public parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  /** `sum by (a) (x)`, `sum(x) without (a)`, `topk(3, x)`. */
  public aggregateExpr = this.RULE('aggregateExpr', () => {
    this.CONSUME(T.AggregateOp);
    this.OPTION(() => this.SUBRULE(this.grouping, { LABEL: 'groupingBefore' }));
    this.SUBRULE(this.callArguments);
    this.OPTION2(() => this.SUBRULE2(this.grouping, { LABEL: 'groupingAfter' }));
  });

  public grouping = this.RULE('grouping', () => {
    this.OR([{ ALT: () => this.CONSUME(T.By) }, { ALT: () => this.CONSUME(T.Without) }]);
    this.SUBRULE(this.labelList);
  });

  public functionCall = this.RULE('functionCall', () => {
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.callArguments);
  });

  /** `( expr, expr, ... )`, trailing comma allowed as in Prometheus 3.x. */
  public callArguments = this.RULE('callArguments', () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.expression, { LABEL: 'args' });
      this.MANY({
        GATE: () => !this.closesAfterComma(T.RParen),
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.expression, { LABEL: 'args' });
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma, { LABEL: 'trailingComma' }));
    });
    this.CONSUME(T.RParen);
  });

  /** `( label, "quoted.label", ... )`, trailing comma allowed. */
  public labelList = this.RULE('labelList', () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.labelName, { LABEL: 'labels' });
      this.MANY({
        GATE: () => !this.closesAfterComma(T.RParen),
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.labelName, { LABEL: 'labels' });
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma, { LABEL: 'trailingComma' }));
    });
    this.CONSUME(T.RParen);
  });

  public labelName = this.RULE('labelName', () => {
    this.OR([{ ALT: () => this.CONSUME(T.LabelNameLike) }, { ALT: () => this.CONSUME(T.StringLiteral) }]);
  });

  /** `name`, `name{...}` or `{...}`. */
  public vectorSelector = this.RULE('vectorSelector', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.MetricNameLike);
          this.OPTION(() => this.SUBRULE(this.labelMatchers));
        },
      },
      { ALT: () => this.SUBRULE2(this.labelMatchers) },
    ]);
  });

  public labelMatchers = this.RULE('labelMatchers', () => {
    this.CONSUME(T.LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.labelMatcher, { LABEL: 'matchers' });
      this.MANY({
        GATE: () => !this.closesAfterComma(T.RBrace),
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.labelMatcher, { LABEL: 'matchers' });
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma, { LABEL: 'trailingComma' }));
    });
    this.CONSUME(T.RBrace);
  });

  /** `name op "value"`, `"quoted name" op "value"`, or a bare `"metric.name"` (3.x). */
  public labelMatcher = this.RULE('labelMatcher', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.CONSUME(T.MatchOp);
          this.CONSUME(T.StringLiteral, { LABEL: 'value' });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.StringLiteral, { LABEL: 'quotedName' });
          this.OPTION(() => {
            this.CONSUME2(T.MatchOp);
            this.CONSUME3(T.StringLiteral, { LABEL: 'value' });
          });
        },
      },
    ]);
  });

  /** True at `, <closer>`: the comma is a trailing comma, not a separator. */
  private closesAfterComma(closer: TokenType): boolean {
    return tokenMatcher(this.LA(1), T.Comma) && tokenMatcher(this.LA(2), closer);
  }

  private isAggregationStart(): boolean {
    const next = this.LA(2);
    return tokenMatcher(next, T.LParen) || tokenMatcher(next, T.By) || tokenMatcher(next, T.Without);
  }
}

/** The PromQL parser: the grammar, analysed and ready. Set `input`, then call `query()`. */
export class PromqlParser extends PromqlGrammar {
  constructor(tokens: TokenType[] = ALL_PROMQL_TOKENS) {
    super(tokens);
    this.performSelfAnalysis();
  }
}

/** The shared parser instance; Chevrotain parsers are built once and reused by setting `input`. */
export const promqlParser = new PromqlParser();

/** A CST node of the PromQL grammar (children keyed by token and rule names). */
export type PromqlCstNode = CstNode;
