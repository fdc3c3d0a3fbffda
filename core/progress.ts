/**
 * Long work in core is a function that takes an abort signal and reports
 * progress through a callback. The CLI turns the reports into a progress bar or
 * JSON lines; the host turns them into events on the API.
 */
export interface Progress {
  /** Which stage of the work this is, e.g. 'load', 'simulate', 'train'. */
  stage: string;
  done: number;
  total: number;
  /** What `done` counts, e.g. 'rows', 'samples', 'steps'. */
  unit: string;
  /** Free-form extra numbers (loss, backend...) a stage wants to show. */
  detail?: Record<string, number | string>;
}

export interface WorkOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Rate (units/s) and remaining time (s) from a start time and a progress report. */
export function rateAndEta(progress: Progress, startedMs: number, nowMs: number): { rate: number; etaSec: number } {
  const elapsedSec = Math.max((nowMs - startedMs) / 1000, 1e-3);
  const rate = progress.done / elapsedSec;
  const etaSec = rate > 0 ? (progress.total - progress.done) / rate : Number.POSITIVE_INFINITY;
  return { rate, etaSec };
}

/** Throws the signal's reason (an AbortError) when the work was cancelled. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('cancelled', 'AbortError');
}
