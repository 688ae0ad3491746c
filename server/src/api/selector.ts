import { parseQuery } from '@vigil/query-language';
import type { LabelMatcher } from '@vigil/storage';
import { badData } from '../errors.js';

/**
 * Parses a series selector as the `match[]` parameter (and Loki's stream selectors) carry it:
 * `up`, `up{job="x"}`, `{__name__=~"cpu_.*", host!="a"}` or the quoted-name form
 * `{"metric.name", a="b"}`, with the PromQL parser, so the syntax and error messages are exactly
 * those of queries. Anything but a plain vector selector is refused.
 *
 * @throws HttpError bad_data naming the parameter and the position of the problem.
 */
export function parseSeriesSelector(text: string, param = 'match[]'): LabelMatcher[] {
  const { expr, errors } = parseQuery(text);
  if (errors.length > 0 || !expr) {
    throw badData(`invalid parameter ${JSON.stringify(param)}: ${errors.map((e) => e.message).join('; ') || 'parse error'}`);
  }
  if (expr.type !== 'VectorSelector' || expr.offsetMs !== 0 || expr.at !== null) {
    throw badData(`invalid parameter ${JSON.stringify(param)}: expected a series selector such as up{job="node"}, got ${text}`);
  }
  return expr.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value }));
}
