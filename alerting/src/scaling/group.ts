/**
 * Scaling groups: a named capacity (min ≤ desired ≤ max) that Vigil changes by calling a webhook.
 * Vigil never starts instances itself; the receiver of the webhook does, and reports back.
 */
import { AlertingError } from '../errors.js';
import { intIn, isObject, nameOf, nonEmpty, rejectUnknown } from './parse-util.js';
import { WebhookSecret } from './secret.js';

/** Largest `max` a group may have. */
export const MAX_GROUP_CAPACITY = 10_000;

/**
 * Where the group's current capacity comes from: `reported` by the webhook receiver (the server's
 * capacity endpoint), or read with a `query` (PromQL/LogQL, e.g. `count(up{job="worker"} == 1)`).
 */
export type CapacitySource = { kind: 'reported' } | { kind: 'query'; query: string };

/** A scaling group as users define it (`/api/v1/scaling/groups/:name`). Frozen once parsed. */
export interface ScalingGroup {
  /** Unique per tenant: `[A-Za-z0-9_.:-]{1,128}`. */
  name: string;
  /** Lowest desired capacity, integer ≥ 0. */
  min: number;
  /** Highest desired capacity, integer, min ≤ max ≤ {@link MAX_GROUP_CAPACITY}. */
  max: number;
  /** The desired capacity the group starts at, min ≤ desired ≤ max. */
  desired: number;
  /** Called with every capacity change; requests are signed with `secret`. */
  webhook: { url: string; secret: WebhookSecret };
  capacitySource: CapacitySource;
}

const KNOWN = ['name', 'min', 'max', 'desired', 'webhook', 'capacitySource'];

/**
 * Validates a group body from the API: unknown fields are rejected and every problem is named.
 * `desired` defaults to `min`; `capacitySource` to `{kind: 'reported'}`. The webhook secret is
 * wrapped in a {@link WebhookSecret}; store it with {@link scalingGroupToJSON}.
 *
 * @example
 * parseScalingGroup({ min: 1, max: 10, webhook: { url: 'https://ops/scale', secret: 's' } }, 'workers');
 * // → { name: 'workers', min: 1, max: 10, desired: 1, webhook: {...}, capacitySource: { kind: 'reported' } }
 * @throws AlertingError bad_data listing every problem.
 */
export function parseScalingGroup(body: unknown, nameFromPath?: string): ScalingGroup {
  if (!isObject(body)) throw new AlertingError('bad_data', 'scaling group must be a JSON object');
  const b = body;
  const problems: string[] = [];
  rejectUnknown(b, KNOWN, problems);
  const name = nameOf(b, nameFromPath, problems);
  const min = intIn(b.min, 'min', 0, MAX_GROUP_CAPACITY, problems, 0);
  if (b.max === undefined) problems.push('max is required');
  const max = intIn(b.max, 'max', 0, MAX_GROUP_CAPACITY, problems);
  const desired = intIn(b.desired, 'desired', 0, MAX_GROUP_CAPACITY, problems, min);
  if (min !== undefined && max !== undefined && min > max) problems.push(`min (${min}) must not exceed max (${max})`);
  if (desired !== undefined && min !== undefined && max !== undefined && min <= max && (desired < min || desired > max)) {
    problems.push(`desired (${desired}) must be between min (${min}) and max (${max})`);
  }

  let url = '';
  let secret = '';
  if (!isObject(b.webhook)) problems.push('webhook must be {"url": "https://...", "secret": "..."}');
  else {
    rejectUnknown(b.webhook, ['url', 'secret'], problems, 'webhook: ');
    url = nonEmpty(b.webhook.url, 'webhook.url', problems) ?? '';
    if (url !== '' && !isHttpUrl(url)) problems.push('webhook.url must be an http or https URL');
    secret = nonEmpty(b.webhook.secret, 'webhook.secret', problems) ?? '';
  }

  let capacitySource: CapacitySource = { kind: 'reported' };
  if (b.capacitySource !== undefined) {
    const c = b.capacitySource;
    if (!isObject(c) || (c.kind !== 'reported' && c.kind !== 'query')) problems.push('capacitySource must be {"kind": "reported"} or {"kind": "query", "query": "..."}');
    else if (c.kind === 'reported') rejectUnknown(c, ['kind'], problems, 'capacitySource: ');
    else {
      rejectUnknown(c, ['kind', 'query'], problems, 'capacitySource: ');
      const query = nonEmpty(c.query, 'capacitySource.query', problems);
      if (query !== undefined) capacitySource = { kind: 'query', query };
    }
  }

  if (problems.length > 0) throw new AlertingError('bad_data', `invalid scaling group: ${problems.join('; ')}`);
  return Object.freeze({
    name,
    min: min!,
    max: max!,
    desired: desired!,
    webhook: Object.freeze({ url, secret: new WebhookSecret(secret) }),
    capacitySource: Object.freeze(capacitySource),
  });
}

/**
 * The group as a body {@link parseScalingGroup} accepts again, with the secret revealed: for the
 * store only, never for API responses or logs.
 */
export function scalingGroupToJSON(g: ScalingGroup): Record<string, unknown> {
  return {
    name: g.name,
    min: g.min,
    max: g.max,
    desired: g.desired,
    webhook: { url: g.webhook.url, secret: g.webhook.secret.reveal() },
    capacitySource: { ...g.capacitySource },
  };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
