/**
 * When a crashed back end is started again, for both shells that host one in
 * a child process (Electron's utility process, `mirage serve`'s back-end
 * process): at once-ish after a first crash, backing off to 10 s while it
 * keeps crashing; one that ran for a minute counts as healthy again.
 */
const RESTART_DELAYS_MS = [250, 1000, 3000, 10_000];
const HEALTHY_AFTER_MS = 60_000;

export class RestartBackoff {
  private crashesInARow = 0;

  /** Counts a crash of a back end that ran `ranMs`; returns how long to wait before starting the next. */
  crashed(ranMs: number): number {
    this.crashesInARow = ranMs > HEALTHY_AFTER_MS ? 1 : this.crashesInARow + 1;
    return RESTART_DELAYS_MS[Math.min(this.crashesInARow - 1, RESTART_DELAYS_MS.length - 1)];
  }
}
