/**
 * The alarm state machine: a pure function from the previous state of one alarm instance (one
 * series of one alarm) and one evaluation's datapoints to the next state and its transitions.
 * Nothing here reads a clock or storage; derived facts (silences, pending) are computed by callers.
 *
 * The model is CloudWatch's: every evaluation looks at the last `evaluationPeriods` (N) datapoints
 * and goes to ALARM when `datapointsToAlarm` (M) of them breach; missing datapoints are treated as
 * `treatMissingData` says. Prometheus' `for` / `keep_firing_for` are expressed with the same
 * machine (M = N = for/period + 1, missing = not breaching, and a hold time after the last breach).
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';

/** A datapoint as the state function sees it: breaching, not breaching, or missing (`null`). */
export type Datum = boolean | null;

/** What one level's datapoints decide; `RETAIN` keeps the current state (`ignore`). */
export type Decision = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'RETAIN';

/** How a decision was reached, for the transition reason. */
export interface DecisionDetail {
  decision: Decision;
  /** Datapoints that were present among the N considered. */
  present: number;
  /** Breaching datapoints among the present ones. */
  breaching: number;
  /** Datapoints filled in by the missing-data treatment (N − present). */
  filled: number;
}

/** The part of an alarm definition the state machine needs. */
export interface StateRule {
  /** N: datapoints considered. */
  evaluationPeriods: number;
  /** M: breaching datapoints needed for ALARM (1 ≤ M ≤ N). */
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  /** After the condition clears, stay in ALARM until this long after the last breaching evaluation. */
  keepFiringForMs: number;
}

/** The durable state of one alarm instance. */
export interface InstanceState {
  state: AlarmState;
  /** Index of the level in ALARM (levels ordered least to most severe); null unless ALARM. */
  level: number | null;
  /** When the current state (and level) began, epoch ms (an evaluation timestamp). */
  sinceMs: number;
  /** The last evaluation timestamp applied. */
  lastEvaluationMs: number;
  /** The last evaluation whose datapoints decided ALARM, for `keepFiringFor`. */
  lastBreachMs: number | null;
  /** Since when the newest datapoint breaches while not in ALARM (Prometheus' "pending"). */
  pendingSinceMs: number | null;
  /** The newest present value, for templates and notifications. */
  value: number | null;
}

/** One evaluation of one instance. */
export interface Observation {
  /** Evaluation timestamp (that of the newest datapoint), epoch ms. */
  timestampMs: number;
  /**
   * Per level (least to most severe), the datapoints of the evaluation range, oldest first. The
   * range may be longer than N: as CloudWatch does, the newest N *present* datapoints are used and
   * only when fewer are present does the missing-data treatment fill in.
   */
  levels: ReadonlyArray<ReadonlyArray<Datum>>;
  /** The newest present value. */
  value: number | null;
}

/** A change of state (or of level within ALARM). */
export interface Transition {
  timestampMs: number;
  from: AlarmState;
  to: AlarmState;
  fromLevel: number | null;
  toLevel: number | null;
  /** The decision of the level that set the new state. */
  detail: DecisionDetail;
}

/**
 * Decides one level from its datapoints with CloudWatch's rules. With P of the newest N present
 * datapoints and B of those breaching:
 * - P = N: ALARM if B ≥ M, else OK (the treatment does not matter);
 * - P = 0: missing → INSUFFICIENT_DATA, ignore → keep the state, breaching → ALARM, notBreaching → OK;
 * - 0 < P < N: breaching fills with breaching datapoints (ALARM if B + N − P ≥ M); notBreaching fills
 *   with good ones (ALARM if B ≥ M); missing decides on the present ones alone (ALARM if B ≥ min(M, P));
 *   ignore does the same but keeps the current state instead of going to ALARM on fewer than M.
 * These reproduce both worked tables of CloudWatch's "treat missing data" documentation.
 */
export function decide(data: ReadonlyArray<Datum>, m: number, n: number, treat: TreatMissingData): DecisionDetail {
  let present = 0;
  let breaching = 0;
  for (let i = data.length - 1; i >= 0 && present < n; i--) {
    const d = data[i];
    if (d === null || d === undefined) continue;
    present++;
    if (d) breaching++;
  }
  const filled = n - present;
  const out = (decision: Decision): DecisionDetail => ({ decision, present, breaching, filled });
  if (filled === 0) return out(breaching >= m ? 'ALARM' : 'OK');
  if (present === 0) {
    switch (treat) {
      case 'missing':
        return out('INSUFFICIENT_DATA');
      case 'ignore':
        return out('RETAIN');
      case 'breaching':
        return out('ALARM');
      case 'notBreaching':
        return out('OK');
    }
  }
  switch (treat) {
    case 'breaching':
      return out(breaching + filled >= m ? 'ALARM' : 'OK');
    case 'notBreaching':
      return out(breaching >= m ? 'ALARM' : 'OK');
    case 'missing':
      return out(breaching >= Math.min(m, present) ? 'ALARM' : 'OK');
    case 'ignore':
      if (breaching >= m) return out('ALARM');
      return out(breaching >= Math.min(m, present) ? 'RETAIN' : 'OK');
  }
}

/** The state of an instance that has never been evaluated: CloudWatch starts in INSUFFICIENT_DATA. */
export function initialState(nowMs: number): InstanceState {
  return { state: 'INSUFFICIENT_DATA', level: null, sinceMs: nowMs, lastEvaluationMs: 0, lastBreachMs: null, pendingSinceMs: null, value: null };
}

/**
 * Applies one observation. Levels are tried from the most severe down; the first that decides
 * ALARM (or keeps an ALARM at its own level under `ignore`) sets ALARM at that level. Otherwise the
 * least severe level decides OK / INSUFFICIENT_DATA, or keeps the current state. `keepFiringFor`
 * holds an ALARM until that long after the last breaching evaluation. Observations not newer than
 * the last one applied change nothing (evaluations are idempotent across restarts).
 */
export function next(
  prev: InstanceState | undefined,
  obs: Observation,
  rule: StateRule,
): { state: InstanceState; transitions: Transition[] } {
  const before = prev ?? initialState(obs.timestampMs);
  if (prev && obs.timestampMs <= prev.lastEvaluationMs) return { state: prev, transitions: [] };
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;

  let to: AlarmState | 'RETAIN' = 'RETAIN';
  let level: number | null = null;
  let detail: DecisionDetail | undefined;
  for (let l = obs.levels.length - 1; l >= 0; l--) {
    const d = decide(obs.levels[l]!, m, n, rule.treatMissingData);
    if (d.decision === 'ALARM' || (d.decision === 'RETAIN' && before.state === 'ALARM' && before.level === l)) {
      to = 'ALARM';
      level = l;
      detail = d;
      break;
    }
    if (l === 0) {
      detail = d;
      to = d.decision === 'RETAIN' ? 'RETAIN' : d.decision;
    }
  }
  if (detail === undefined) detail = { decision: 'RETAIN', present: 0, breaching: 0, filled: n };
  const alarming = to === 'ALARM';
  if (to === 'RETAIN') {
    to = before.state;
    level = before.level;
  }
  // keep_firing_for: an ALARM that would clear is held while its last breach is recent enough.
  if (to !== 'ALARM' && before.state === 'ALARM' && before.lastBreachMs !== null && obs.timestampMs - before.lastBreachMs < rule.keepFiringForMs) {
    to = 'ALARM';
    level = before.level;
  }

  const newestBreaches = obs.levels.some((ds) => ds[ds.length - 1] === true);
  const state: InstanceState = {
    state: to,
    level: to === 'ALARM' ? level : null,
    sinceMs: to === before.state && level === before.level && prev !== undefined ? before.sinceMs : obs.timestampMs,
    lastEvaluationMs: obs.timestampMs,
    lastBreachMs: alarming ? obs.timestampMs : before.lastBreachMs,
    pendingSinceMs: to !== 'ALARM' && newestBreaches ? (before.pendingSinceMs ?? obs.timestampMs) : null,
    value: obs.value ?? before.value,
  };
  const transitions: Transition[] = [];
  if (state.state !== before.state || state.level !== before.level) {
    transitions.push({ timestampMs: obs.timestampMs, from: before.state, to: state.state, fromLevel: before.level, toLevel: state.level, detail });
  }
  return { state, transitions };
}
