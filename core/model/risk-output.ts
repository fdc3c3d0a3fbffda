/**
 * How a wait-risk network's outputs become the number a risk rule reads.
 * Output k is the logit of P(W > tau_k), W the queue wait of a successor
 * submitted now, tau the manifest's thresholdsHours (increasing). The K
 * probabilities are the wait's survival function on that grid; trained
 * independently they can cross, so they are made non-increasing in tau
 * (each the minimum of itself and those before) before the risk is read at
 * the exact time left until the predecessor ends (wait-risk.ts riskAt, as
 * the wait-risk model reads its own; model/predictor.ts predictRisk).
 */
/** The logistic function, computed without overflow on either side. */
export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** P(W > tau_k) for k = 0..K-1 from K logits at `from`, non-increasing in k. */
export function survivalFromLogits(logits: ArrayLike<number>, from: number, k: number): number[] {
  const out = new Array<number>(k);
  let previous = 1;
  for (let j = 0; j < k; j++) {
    previous = Math.min(previous, sigmoid(logits[from + j]));
    out[j] = previous;
  }
  return out;
}

/**
 * The q-quantile of the wait (hours) from its survival function on the grid:
 * where S crosses 1 - q, read between the two thresholds around the crossing
 * linearly in log1p(hours), the inverse of riskAt. At most the first
 * threshold when S is already below 1 - q there (returned as that
 * threshold); Infinity when S stays above 1 - q over the whole grid.
 */
export function waitQuantileHours(thresholdsHours: readonly number[], survival: readonly number[], q: number): number {
  if (!(q > 0 && q < 1)) throw new Error(`a quantile needs 0 < q < 1, not ${q}`);
  const level = 1 - q;
  if (survival[0] <= level) return thresholdsHours[0];
  const j = survival.findIndex((s) => s <= level);
  if (j < 0) return Infinity;
  const a = Math.log1p(thresholdsHours[j - 1]);
  const b = Math.log1p(thresholdsHours[j]);
  const t = (survival[j - 1] - level) / (survival[j - 1] - survival[j]);
  return Math.expm1(a + (b - a) * t);
}

/**
 * The held-out scores both kinds of wait-risk model report: log loss and
 * Brier score of predicted chances that submitting at a row still
 * interrupts, against what happened, and how often it did. Add rows one by
 * one; the probabilities are clipped to [1e-6, 1 - 1e-6] for the log.
 */
export class RiskScores {
  private logLoss = 0;
  private brier = 0;
  private positives = 0;
  rows = 0;

  add(probability: number, interrupted: boolean): void {
    const p = Math.min(1 - 1e-6, Math.max(1e-6, probability));
    const label = interrupted ? 1 : 0;
    this.logLoss -= interrupted ? Math.log(p) : Math.log(1 - p);
    this.brier += (p - label) ** 2;
    this.positives += label;
    this.rows++;
  }

  /** The scores as model metrics; none without rows. */
  metrics(): Record<string, number> {
    if (this.rows === 0) return {};
    return { heldOutLogLoss: this.logLoss / this.rows, heldOutBrier: this.brier / this.rows, heldOutInterruptShare: this.positives / this.rows };
  }
}
