/**
 * The supervised phase's settings (core/train/supervised.ts runs them), kept
 * apart from the training loop so that configs and command lines read them
 * without loading TensorFlow.js.
 */
import { z } from 'zod';

/** bce: binary cross-entropy on logits, for 0/1 targets (a wait-risk network: one per wait threshold). */
export const LossSchema = z.enum(['mse', 'huber', 'l1', 'bce']);
export type LossName = z.infer<typeof LossSchema>;

export const SupervisedConfigSchema = z.object({
  epochs: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  /** 'cosine' decays to 5% of the rate over the run, after `warmupSteps` linear warm-up. */
  schedule: z.enum(['constant', 'cosine']),
  warmupSteps: z.number().int().nonnegative(),
  loss: LossSchema,
  /** Huber transition point, in normalised target units. */
  huberDelta: z.number().positive(),
  clipNorm: z.number().positive().nullable(),
  weightDecay: z.number().nonnegative(),
  /** Stop after this many epochs without a better held-out loss; null never. */
  patience: z.number().int().positive().nullable(),
  /** End with the weights of the best held-out epoch. */
  restoreBest: z.boolean(),
  /** Wall-clock budget for the phase (stops after the step that passes it); null none. Not deterministic. */
  maxSeconds: z.number().positive().nullable(),
});
export type SupervisedConfig = z.infer<typeof SupervisedConfigSchema>;
