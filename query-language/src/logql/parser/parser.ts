import { type TokenType, tokenMatcher } from 'chevrotain';
import * as T from '../../lexer/tokens.js';
import { PromqlGrammar } from '../../parser/parser.js';
import { ALL_LOGQL_TOKENS } from '../lexer/lexer.js';
import * as L from '../lexer/tokens.js';

/**
 * The LogQL grammar: PromQL's grammar (binary operators with their precedence and modifiers,
 * aggregations, grouping, label lists, stream selectors) extended with log pipelines.
 *
 * Overridden rules: `primaryExpr` (numbers, strings, parentheses, aggregations, function calls
 * and log expressions; no metric names), `postfixExpr` (a log range `[5m]`, its `offset` and the
 * pipeline stages Loki allows after the range) and `functionCall` (range aggregations take
 * `by`/`without` after the call). A pure `CstParser`; the AST is built by `ast/build-ast.ts`.
 */
export class LogqlGrammar extends PromqlGrammar {
  constructor(tokens: TokenType[] = ALL_LOGQL_TOKENS) {
    super(tokens);
  }

  public override primaryExpr = this.OVERRIDE_RULE('primaryExpr', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLike) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.aggregateExpr) },
      { ALT: () => this.SUBRULE(this.functionCall) },
      { ALT: () => this.SUBRULE(this.logExpr) },
    ]);
  });

  /** A primary expression, optionally followed by `[range] offset d` and more pipeline stages. */
  public override postfixExpr = this.OVERRIDE_RULE('postfixExpr', () => {
    this.SUBRULE(this.primaryExpr);
    this.OPTION(() => {
      this.SUBRULE(this.logRange);
      this.OPTION2(() => this.SUBRULE(this.offsetModifier));
      this.MANY(() => this.SUBRULE(this.pipelineStage, { LABEL: 'stagesAfterRange' }));
    });
  });

  /** `name(args)`, optionally `by (...)`/`without (...)` after it (range aggregations). */
  public override functionCall = this.OVERRIDE_RULE('functionCall', () => {
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.callArguments);
    this.OPTION(() => this.SUBRULE(this.grouping));
  });

  /** `[5m]` */
  public logRange = this.RULE('logRange', () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.durationValue);
    this.CONSUME(T.RBracket);
  });

  /** `{stream selector} stage stage ...` */
  public logExpr = this.RULE('logExpr', () => {
    this.SUBRULE(this.labelMatchers);
    this.MANY(() => this.SUBRULE(this.pipelineStage, { LABEL: 'stages' }));
  });

  public pipelineStage = this.RULE('pipelineStage', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.lineFilter) },
      {
        ALT: () => {
          this.CONSUME(L.Pipe);
          this.SUBRULE(this.pipeStage);
        },
      },
    ]);
  });

  /** `|= "a"`, `!~ "b"`, `|= "a" or "b"`. */
  public lineFilter = this.RULE('lineFilter', () => {
    this.OR([
      { ALT: () => this.CONSUME(L.PipeExact, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(L.PipeMatch, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(L.PipePattern, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.Neq, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.NeqRegex, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(L.NotPipePattern, { LABEL: 'op' }) },
    ]);
    this.CONSUME(T.StringLiteral, { LABEL: 'values' });
    this.MANY({
      GATE: () => tokenMatcher(this.LA(2), T.StringLiteral),
      DEF: () => {
        this.CONSUME(T.Or);
        this.CONSUME2(T.StringLiteral, { LABEL: 'values' });
      },
    });
  });

  /** What follows a `|`: a parser, a formatter, `drop`/`keep`, `unwrap` or a label filter. */
  public pipeStage = this.RULE('pipeStage', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(L.Json);
          this.OPTION(() => this.SUBRULE(this.extractionParams));
        },
      },
      {
        ALT: () => {
          this.CONSUME(L.Logfmt);
          this.MANY(() => this.CONSUME(L.ParserFlag));
          this.OPTION2(() => this.SUBRULE2(this.extractionParams));
        },
      },
      {
        ALT: () => {
          this.CONSUME(L.Regexp);
          this.CONSUME(T.StringLiteral, { LABEL: 'argument' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(L.Pattern);
          this.CONSUME2(T.StringLiteral, { LABEL: 'argument' });
        },
      },
      { ALT: () => this.CONSUME(L.Unpack) },
      {
        ALT: () => {
          this.CONSUME(L.LineFormat);
          this.CONSUME3(T.StringLiteral, { LABEL: 'argument' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(L.LabelFormat);
          this.SUBRULE(this.labelFormatItem, { LABEL: 'formatItems' });
          this.MANY2(() => {
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.labelFormatItem, { LABEL: 'formatItems' });
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(L.Drop);
          this.SUBRULE(this.labelItems);
        },
      },
      {
        ALT: () => {
          this.CONSUME(L.Keep);
          this.SUBRULE2(this.labelItems);
        },
      },
      { ALT: () => this.CONSUME(L.Decolorize) },
      {
        ALT: () => {
          this.CONSUME(L.Unwrap);
          this.SUBRULE(this.unwrapTarget);
        },
      },
      { ALT: () => this.SUBRULE(this.labelFilterOr) },
    ]);
  });

  /** `a="b.c", d` after `json` / `logfmt`. */
  public extractionParams = this.RULE('extractionParams', () => {
    this.SUBRULE(this.extractionParam, { LABEL: 'params' });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.extractionParam, { LABEL: 'params' });
    });
  });

  public extractionParam = this.RULE('extractionParam', () => {
    this.CONSUME(T.LabelNameLike, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.Eql);
      this.CONSUME(T.StringLiteral, { LABEL: 'path' });
    });
  });

  /** `dst="{{ template }}"` or `dst=src` (a rename). */
  public labelFormatItem = this.RULE('labelFormatItem', () => {
    this.CONSUME(T.LabelNameLike, { LABEL: 'dst' });
    this.CONSUME(T.Eql);
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: 'template' }) },
      { ALT: () => this.CONSUME2(T.LabelNameLike, { LABEL: 'src' }) },
    ]);
  });

  /** `a, b="v", c=~"x.*"` after `drop` / `keep`. */
  public labelItems = this.RULE('labelItems', () => {
    this.SUBRULE(this.labelItem, { LABEL: 'items' });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.labelItem, { LABEL: 'items' });
    });
  });

  public labelItem = this.RULE('labelItem', () => {
    this.CONSUME(T.LabelNameLike, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.MatchOp);
      this.CONSUME(T.StringLiteral, { LABEL: 'value' });
    });
  });

  /** `latency`, `duration(latency)`, `bytes(size)`. */
  public unwrapTarget = this.RULE('unwrapTarget', () => {
    this.OR([
      {
        GATE: () => tokenMatcher(this.LA(2), T.LParen),
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: 'conversion' });
          this.CONSUME(T.LParen);
          this.CONSUME(T.LabelNameLike, { LABEL: 'label' });
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.CONSUME2(T.LabelNameLike, { LABEL: 'label' }) },
    ]);
  });

  /** Label filters joined by `or` (loosest). */
  public labelFilterOr = this.RULE('labelFilterOr', () => {
    this.SUBRULE(this.labelFilterAnd, { LABEL: 'operands' });
    this.MANY({
      GATE: () => this.labelFilterStartsAt(2),
      DEF: () => {
        this.CONSUME(T.Or);
        this.SUBRULE2(this.labelFilterAnd, { LABEL: 'operands' });
      },
    });
  });

  /** Label filters joined by `and`, `,` or nothing (juxtaposition). */
  public labelFilterAnd = this.RULE('labelFilterAnd', () => {
    this.SUBRULE(this.labelFilterPrimary, { LABEL: 'operands' });
    this.MANY({
      GATE: () =>
        this.labelFilterStartsAt(1) ||
        ((tokenMatcher(this.LA(1), T.And) || tokenMatcher(this.LA(1), T.Comma)) && this.labelFilterStartsAt(2)),
      DEF: () => {
        this.OPTION(() => {
          this.OR([
            { ALT: () => this.CONSUME(T.And, { LABEL: 'operators' }) },
            { ALT: () => this.CONSUME(T.Comma, { LABEL: 'operators' }) },
          ]);
        });
        this.SUBRULE2(this.labelFilterPrimary, { LABEL: 'operands' });
      },
    });
  });

  public labelFilterPrimary = this.RULE('labelFilterPrimary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.labelFilterOr);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.labelFilterAtom) },
    ]);
  });

  /** `name op value`: a string matcher, or a numeric, duration or byte-size comparison. */
  public labelFilterAtom = this.RULE('labelFilterAtom', () => {
    this.CONSUME(T.LabelNameLike, { LABEL: 'name' });
    this.OR([
      { ALT: () => this.CONSUME(T.Eql, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.EqlC, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.Neq, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.EqlRegex, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.NeqRegex, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.Gtr, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.Gte, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.Lss, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.Lte, { LABEL: 'op' }) },
    ]);
    this.OR2([
      { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: 'string' }) },
      { ALT: () => this.CONSUME(L.Bytes, { LABEL: 'bytes' }) },
      {
        ALT: () => {
          this.OPTION(() => {
            this.OR3([
              { ALT: () => this.CONSUME(T.Minus, { LABEL: 'sign' }) },
              { ALT: () => this.CONSUME(T.Plus, { LABEL: 'sign' }) },
            ]);
          });
          this.OR4([
            { ALT: () => this.CONSUME(T.Duration, { LABEL: 'duration' }) },
            { ALT: () => this.CONSUME(T.NumberLike, { LABEL: 'number' }) },
          ]);
        },
      },
    ]);
  });

  /** True when a label filter starts at lookahead `k`: `name op` or `(`. */
  private labelFilterStartsAt(k: number): boolean {
    const first = this.LA(k);
    if (tokenMatcher(first, T.LParen)) return true;
    if (!tokenMatcher(first, T.LabelNameLike)) return false;
    const op = this.LA(k + 1);
    return tokenMatcher(op, T.MatchOp) || tokenMatcher(op, T.ComparisonOp);
  }
}

/** The LogQL parser: the grammar, analysed and ready. Set `input`, then call `query()`. */
export class LogqlParser extends LogqlGrammar {
  constructor() {
    super();
    this.performSelfAnalysis();
  }
}

/** The shared LogQL parser instance, reused by setting `input`. */
export const logqlParser = new LogqlParser();
