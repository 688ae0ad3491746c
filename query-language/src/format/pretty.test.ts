import { describe, expect, it } from 'vitest';
import { parseQueryOrThrow } from '../parse.js';
import { formatExpr } from './format.js';
import { prettyFormatExpr } from './pretty.js';

const pretty = (q: string): string => prettyFormatExpr(parseQueryOrThrow(q));

describe('prettyFormatExpr', () => {
  it('keeps a short query on one line', () => {
    expect(pretty('sum   by(job)(rate(x[5m]))')).toBe('sum by (job) (rate(x[5m]))');
  });

  it('splits a long binary expression around its operator', () => {
    const q =
      'sum by (job, instance) (rate(http_requests_total{code=~"5.."}[5m])) / on (job, instance) group_left sum by (job, instance) (rate(http_requests_total[5m]))';
    expect(pretty(q)).toBe(
      [
        '  sum by (job, instance) (rate(http_requests_total{code=~"5.."}[5m]))',
        '/ on (job, instance) group_left ()',
        '  sum by (job, instance) (rate(http_requests_total[5m]))',
      ].join('\n'),
    );
  });

  it('puts aggregation and call arguments on their own lines when too long', () => {
    const q =
      'topk(5, sum by (very_long_label_name_one, very_long_label_name_two) (rate(some_really_long_metric_name_total{job="x"}[5m])))';
    expect(pretty(q)).toBe(
      [
        'topk(',
        '  5,',
        '  sum by (very_long_label_name_one, very_long_label_name_two) (',
        '    rate(some_really_long_metric_name_total{job="x"}[5m])',
        '  )',
        ')',
      ].join('\n'),
    );
  });

  it('produces text that parses back to the same expression', () => {
    const q =
      '(histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket{service=~"api|web"}[5m]))) > 0.5) and on (service) (max_over_time(up{service=~"api|web"}[1h:1m]) == 1)';
    expect(formatExpr(parseQueryOrThrow(pretty(q)))).toBe(formatExpr(parseQueryOrThrow(q)));
  });
});
