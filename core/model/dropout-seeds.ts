/**
 * Where dropout masks come from, without TensorFlow.js: the per-call context
 * and the seed of each mask. core/model/layers.ts draws the masks with
 * tf.randomUniform from these seeds; the native training step
 * (core/train/native.ts) draws the same ones, and the CLI loads that module
 * without loading TensorFlow.js.
 */

/** Per-call context: training mode switches dropout on, with a seed per step. */
export interface ApplyContext {
  training: boolean;
  /** Seed for this step's dropout masks (derived from run seed and step). */
  dropoutSeed?: number;
  /**
   * The samples [start, start + count) of a batch of `total` samples that
   * this call sees (data-parallel training). Dropout masks are drawn for the
   * whole batch and cut to these rows, so a split batch drops what the whole
   * one would.
   */
  batchSlice?: { start: number; count: number; total: number };
}

/** The seed of one dropout mask: the step's seed mixed with the call site's salt. */
export function dropoutMaskSeed(ctx: ApplyContext, salt: number): number {
  return ((ctx.dropoutSeed ?? 0) ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0;
}

/** Salt of the attention weights' dropout, under the step seed + the layer's salt (encoderLayer). */
export const ATTENTION_WEIGHTS_SALT = 11;

/** Salt of encoder layer i's dropout sites (its attention weights, attention output, feed-forward hidden, feed-forward output: salt, +1, +2, +3). */
export function encoderLayerSalt(i: number): number {
  return 100 * (i + 1);
}
