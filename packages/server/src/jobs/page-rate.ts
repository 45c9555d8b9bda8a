/**
 * Measured processing speed in pages per second, shared by the jobs of a server: an exponentially
 * weighted average of recent pages, so an estimate starts from what this machine did lately and follows
 * the current document as it goes.
 */
export class PageRate {
  private rate: number;

  constructor(
    /** The guess before anything was measured. */
    initialPagesPerSecond = 10,
    /** Weight of the newest sample. */
    private readonly alpha = 0.2,
  ) {
    this.rate = initialPagesPerSecond;
  }

  get pagesPerSecond(): number {
    return this.rate;
  }

  /** Records `pages` finished in `ms`. */
  sample(pages: number, ms: number): void {
    if (!(pages > 0) || !(ms > 0)) return;
    const r = (pages * 1000) / ms;
    this.rate = this.rate * (1 - this.alpha) + r * this.alpha;
  }

  /**
   * Estimated time for `pages` more pages, in ms: at the measured rate, or at `maxPagesPerSecond` (the server's
   * pace, `jobs.maxPagesPerSecond`) when that is slower.
   */
  estimateMs(pages: number, maxPagesPerSecond = Number.POSITIVE_INFINITY): number {
    const rate = Math.min(this.rate, maxPagesPerSecond > 0 ? maxPagesPerSecond : Number.POSITIVE_INFINITY);
    return Math.max(0, Math.round((pages / rate) * 1000));
  }
}
