import { EOF, type IRecognitionException, type IToken, tokenMatcher } from 'chevrotain';
import type { Pos } from '../ast/ast.js';
import { goQuote } from '../ast/literals.js';
import * as T from '../lexer/tokens.js';

const OPERATOR_TOKENS = [
  T.Plus,
  T.Minus,
  T.Mul,
  T.Div,
  T.Mod,
  T.Pow,
  T.Atan2,
  T.And,
  T.Or,
  T.Unless,
  T.ComparisonOp,
];
const KEYWORD_TOKENS = [
  T.By,
  T.Without,
  T.On,
  T.Ignoring,
  T.GroupLeft,
  T.GroupRight,
  T.Bool,
  T.Offset,
  T.Start,
  T.End,
];

/**
 * Describes a token as Prometheus' parser does in "unexpected ..." messages: `end of input`,
 * `identifier "foo"`, `number "1"`, `string "\"a\""`, `<op:+>`, `<aggr:sum>`, `<by>`, `"("`.
 */
export function describeToken(token: IToken): string {
  const type = token.tokenType;
  if (type === EOF) return 'end of input';
  if (type === T.Identifier) return `identifier ${goQuote(token.image)}`;
  if (tokenMatcher(token, T.NumberLike)) return `number ${goQuote(token.image)}`;
  if (type === T.Duration) return `duration ${goQuote(token.image)}`;
  if (type === T.StringLiteral) return `string ${goQuote(token.image)}`;
  if (tokenMatcher(token, T.AggregateOp)) return `<aggr:${token.image}>`;
  if (OPERATOR_TOKENS.some((op) => tokenMatcher(token, op))) return `<op:${token.image}>`;
  if (KEYWORD_TOKENS.some((kw) => tokenMatcher(token, kw))) return `<${token.image}>`;
  return goQuote(token.image);
}

/**
 * Turns the first Chevrotain recognition error into Prometheus' wording and position:
 * `unexpected end of input`, `unexpected identifier "b" in label matching, expected "," or "}"`.
 */
export function describeParserError(error: IRecognitionException, text: string): { pos: Pos; detail: string } {
  const token = error.token;
  const atEnd = token.tokenType === EOF || Number.isNaN(token.startOffset);
  const pos = atEnd
    ? { start: text.length, end: text.length }
    : { start: token.startOffset, end: token.startOffset + token.image.length };
  const previous = (error as { previousToken?: IToken }).previousToken;
  const rule = error.context.ruleStack.at(-1);
  let context = '';
  switch (rule) {
    case 'labelMatcher':
      context = error.message.includes('MatchOp')
        ? ' in label matching, expected label matching operator'
        : error.message.includes('--> StringLiteral <--') && !error.message.includes('Identifier')
          ? ' in label matching, expected string'
          : ' in label matching, expected identifier or "}"';
      break;
    case 'labelMatchers':
      context =
        previous && (tokenMatcher(previous, T.LBrace) || tokenMatcher(previous, T.Comma))
          ? ' in label matching, expected identifier or "}"'
          : ' in label matching, expected "," or "}"';
      break;
    case 'labelList':
    case 'labelName': {
      const afterLabel = previous && !tokenMatcher(previous, T.LParen) && !tokenMatcher(previous, T.Comma);
      if (error.message.includes('--> LParen <--')) context = ' in grouping opts, expected "("';
      else context = afterLabel ? ' in grouping opts, expected "," or ")"' : ' in grouping opts, expected label';
      break;
    }
    case 'offsetModifier':
    case 'durationValue':
      context = error.context.ruleStack.includes('offsetModifier') ? ' in offset, expected duration' : '';
      break;
    case 'atModifier':
      context = ' in @, expected timestamp';
      break;
    case 'aggregateExpr':
      context = ' in aggregation';
      break;
    default:
      context = '';
  }
  return { pos, detail: `unexpected ${atEnd ? 'end of input' : describeToken(token)}${context}` };
}
