/**
 * Network specifications: the hyper-parameters that define a network's shape.
 * They are saved as the `modelTopology` of model.json and in mirage-model.json,
 * and are enough to rebuild the network before loading its weights.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * Values per row: absent (or 1) for a reward regressor, one logit per wait
 * threshold for a wait-risk network (ModelManifest target.thresholdsHours).
 * Optional so the topology of every model saved before stays byte-identical.
 */
const OutputsSchema = positiveInt.max(64).optional();

/** A regressor's values per row. */
export function outputsOf(spec: { outputs?: number }): number {
  return spec.outputs ?? 1;
}

/**
 * Transformer regressor. With patchLen 1 and head 'flatten' it is the
 * reference's model (Linear 42->d per snapshot, post-norm encoder layers,
 * flatten, Linear -> 1); patchLen > 1 embeds groups of consecutive snapshots
 * as one token.
 */
export const TransformerSpecSchema = z.object({
  type: z.literal('transformer'),
  seqLen: positiveInt,
  inFeatures: positiveInt,
  /** Snapshots per token; seqLen must be a multiple. */
  patchLen: positiveInt,
  dModel: positiveInt,
  layers: z.number().int().min(0),
  heads: positiveInt,
  ffDim: positiveInt,
  /** Dropout inside the encoder layers while training (PyTorch's default is 0.1). */
  dropout: z.number().min(0).max(0.9),
  /** Learned position embedding added to the tokens. */
  positional: z.boolean(),
  /** 'flatten' (reference) or mean over tokens. */
  head: z.enum(['flatten', 'mean']),
  outputs: OutputsSchema,
});
export type TransformerSpec = z.infer<typeof TransformerSpecSchema>;

/** Multi-layer perceptron over the last `lastSteps` snapshots, flattened. */
export const MlpSpecSchema = z.object({
  type: z.literal('mlp'),
  seqLen: positiveInt,
  inFeatures: positiveInt,
  lastSteps: positiveInt,
  hidden: z.array(positiveInt),
  dropout: z.number().min(0).max(0.9),
  outputs: OutputsSchema,
});
export type MlpSpec = z.infer<typeof MlpSpecSchema>;

export const RegressorSpecSchema = z.discriminatedUnion('type', [TransformerSpecSchema, MlpSpecSchema]);
export type RegressorSpec = z.infer<typeof RegressorSpecSchema>;

/** Mixture of experts: a softmax gate over the flattened window weighs the experts' outputs. */
export const MoeSpecSchema = z.object({
  type: z.literal('moe'),
  seqLen: positiveInt,
  inFeatures: positiveInt,
  experts: z.array(RegressorSpecSchema).min(2),
  gateHidden: positiveInt,
});
export type MoeSpec = z.infer<typeof MoeSpecSchema>;

/**
 * Policy: frozen regressors (a mixture's experts, or one network) give their
 * predictions in hours; a linear head turns them into {wait, submit} logits.
 */
export const PolicySpecSchema = z.object({
  type: z.literal('policy'),
  seqLen: positiveInt,
  inFeatures: positiveInt,
  base: z.union([RegressorSpecSchema, MoeSpecSchema]),
  actions: z.literal(2),
});
export type PolicySpec = z.infer<typeof PolicySpecSchema>;

export const NetworkSpecSchema = z.discriminatedUnion('type', [TransformerSpecSchema, MlpSpecSchema, MoeSpecSchema, PolicySpecSchema]);
export type NetworkSpec = z.infer<typeof NetworkSpecSchema>;

/** The paper's transformer: d 512, 1 layer, 1 head, feed-forward 128, over every snapshot. */
export function paperTransformer(seqLen = 144, inFeatures = 42): TransformerSpec {
  return {
    type: 'transformer',
    seqLen,
    inFeatures,
    patchLen: 1,
    dModel: 512,
    layers: 1,
    heads: 1,
    ffDim: 128,
    dropout: 0.1,
    positional: false,
    head: 'flatten',
  };
}
