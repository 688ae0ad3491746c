/** What a sender does with a response. */
export type SendOutcome = 'delivered' | 'retry' | 'reject';

/**
 * The one status classifier of the agent (remote_write spec and OTLP agree): 2xx is delivered,
 * 429, 408 and 5xx are retried, any other status is rejected for good (the batch is dropped and
 * counted, since re-sending the same bytes can never succeed).
 *
 * @example
 * classifyStatus(503); // 'retry'
 */
export function classifyStatus(status: number): SendOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 429 || status === 408 || status >= 500) return 'retry';
  return 'reject';
}
