/**
 * A token bucket: `ratePerSecond` tokens flow in, up to `burst`. {@link take} admits a request
 * of `n` tokens when at least `min(n, burst)` are available (so a request larger than the burst
 * still passes once the bucket is full, and pays the debt afterwards).
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private ratePerSecond: number,
    private burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** Updates rate and burst (config reload) without resetting the balance. */
  configure(ratePerSecond: number, burst: number): void {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    if (this.tokens > burst) this.tokens = burst;
  }

  /**
   * Takes `n` tokens if possible. Returns 0 when admitted, otherwise the seconds to wait before a
   * retry can succeed (at least 1, for `Retry-After`).
   */
  take(n: number, nowMs: number): number {
    this.refill(nowMs);
    const need = Math.min(n, this.burst);
    if (this.tokens >= need) {
      this.tokens -= n;
      return 0;
    }
    return Math.max(1, Math.ceil((need - this.tokens) / this.ratePerSecond));
  }

  /** Like {@link take} but takes nothing: 0 when `n` tokens would be admitted now, else seconds to wait. */
  waitFor(n: number, nowMs: number): number {
    this.refill(nowMs);
    const need = Math.min(n, this.burst);
    return this.tokens >= need ? 0 : Math.max(1, Math.ceil((need - this.tokens) / this.ratePerSecond));
  }

  private refill(nowMs: number): void {
    const elapsed = (nowMs - this.lastMs) / 1000;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
      this.lastMs = nowMs;
    }
  }
}
