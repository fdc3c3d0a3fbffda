/**
 * The held-out tail of a training period: the one split every model fit,
 * early stopping and calibration use (wait models, neural training, the
 * pipeline's calibration samples), so the samples a submit rule is tuned on
 * were never fitted on.
 *
 * Samples are taken in time order; the last `fraction` of them (rounded, at
 * least one when the fraction is above 0, never all) are held out. A sample
 * replays `replaySec` of trace from its start (warm-up + workload days), so
 * the fitted samples whose replay reaches past the first held-out start are
 * left out of both sides (the gap): the two sides see no common queue state.
 * A training period too short for a whole gap (the gap would take more than
 * half of the samples before the tail) keeps the later half of the gap only,
 * and says so (`gapShortened`), rather than fitting on nothing.
 * Pure and browser-safe.
 */

export interface HeldOutSplit {
  /** Positions (into the time-ordered sample list) fitted on. */
  fit: number[];
  /** Positions dropped because their replay overlaps the held-out tail. */
  gap: number[];
  /** Positions held out. */
  heldOut: number[];
  /** The period was too short for a gap of one whole replay: fit and held-out replays overlap a little. */
  gapShortened: boolean;
}

/** How many of `samples` time-ordered samples the tail holds out. */
export function heldOutCount(samples: number, fraction: number): number {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`the held-out fraction ${fraction} must be in [0, 1)`);
  if (!Number.isInteger(samples) || samples < 0) throw new Error(`sample count ${samples} must be a whole number`);
  let held = Math.round(samples * fraction);
  if (fraction > 0 && samples > 1) held = Math.max(1, held);
  return Math.max(0, Math.min(held, samples - 1));
}

/**
 * Splits samples given by their start times (seconds, ascending) into fit,
 * gap and held-out positions. `replaySec` 0 means no gap.
 */
export function splitHeldOut(startsSec: readonly number[], fraction: number, replaySec: number): HeldOutSplit {
  for (let i = 1; i < startsSec.length; i++) {
    if (!(startsSec[i] >= startsSec[i - 1])) throw new Error('splitHeldOut: sample starts must be in ascending order');
  }
  const held = heldOutCount(startsSec.length, fraction);
  const firstHeld = startsSec.length - held;
  const boundary = held > 0 ? startsSec[firstHeld] : Number.POSITIVE_INFINITY;
  let gapFrom = firstHeld;
  while (gapFrom > 0 && startsSec[gapFrom - 1] + replaySec > boundary) gapFrom--;
  const longest = Math.floor(firstHeld / 2);
  const gapShortened = firstHeld - gapFrom > longest;
  if (gapShortened) gapFrom = firstHeld - longest;
  const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
  return { fit: range(0, gapFrom), gap: range(gapFrom, firstHeld), heldOut: range(firstHeld, startsSec.length), gapShortened };
}
