import type { Counter } from 'prom-client';
import { badData } from '../errors.js';

/** Most problems listed in one 400 body; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 10;

/**
 * The invalid parts of one ingest request: each is counted in `/metrics` under its reason and the
 * first few are kept to name in the 400 answer, which goes out after the valid parts are stored.
 */
export class IngestProblems {
  private readonly listed: string[] = [];
  private total = 0;

  constructor(
    private readonly discarded: Counter<'reason'>,
    /** What the request carries, for the message: "series or samples", "streams or entries". */
    private readonly what: string,
  ) {}

  /** Records a problem affecting `items` samples or lines. */
  add(reason: string, items: number, text: string): void {
    this.discarded.inc({ reason }, items);
    this.total++;
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(text);
  }

  /** Number of problems recorded. */
  get count(): number {
    return this.total;
  }

  /**
   * Throws a 400 listing the problems, saying what was stored anyway (`stored`), if there were any.
   *
   * @throws HttpError bad_data
   */
  throwIfAny(stored: string): void {
    if (this.total === 0) return;
    const more = this.total > this.listed.length ? `\n(and ${this.total - this.listed.length} more problems)` : '';
    throw badData(`${this.total} invalid ${this.what}; ${stored}\n${this.listed.join('\n')}${more}`);
  }
}
