/**
 * Training configurations: one schema for everything that decides a run's
 * result, presets per model kind, and the overrides the CLI exposes. The
 * resolved configuration is stored with the checkpoints; `--resume` refuses a
 * different one.
 */
import { z } from 'zod';
import { MODEL_KINDS, TARGET_MODES } from '../model/manifest.js';
import type { ModelKind, TargetMode } from '../model/manifest.js';
import { RISK_THRESHOLDS_HOURS } from '../model/wait-risk.js';
import type { RegressorSpec, TransformerSpec } from '../model/spec.js';
import { RegressorSpecSchema, paperTransformer } from '../model/spec.js';
import type { SupervisedConfig } from './supervised-config.js';
import { SupervisedConfigSchema } from './supervised-config.js';

export const PRESETS = ['paper'] as const;
export type Preset = (typeof PRESETS)[number];

export const MoeConfigSchema = z.object({
  experts: z.number().int().min(2),
  /** Fraction of the data (in data order) the experts share, one equal slice each (reference: 0.5). */
  expertDataFraction: z.number().positive().max(1),
  /** Within a slice: the first part of its samples trains, the rest validates (reference: 2/3). */
  expertTrainFraction: z.number().positive().max(1),
  expert: RegressorSpecSchema,
  expertTraining: SupervisedConfigSchema,
  /** The gate trains on the first part of the data (reference: 0.8), validates on the rest. */
  gateTrainFraction: z.number().positive().lt(1),
  gateHidden: z.number().int().positive(),
  gateTraining: SupervisedConfigSchema,
  /** Train the experts together with the gate (the reference does); otherwise they stay frozen. */
  finetuneExperts: z.boolean(),
});
export type MoeConfig = z.infer<typeof MoeConfigSchema>;

export const TrainConfigSchema = z.object({
  kind: z.enum(MODEL_KINDS),
  /**
   * reward: regress the reward in hours (one output). wait-risk: one logit per
   * threshold of RISK_THRESHOLDS_HOURS, trained with binary cross-entropy on
   * (W > tau), W the successor's queue wait (core/model/risk-output.ts).
   */
  target: z.enum(TARGET_MODES).default('reward'),
  preset: z.enum(PRESETS).nullable(),
  seed: z.number().int(),
  /** Last fraction of the samples, by time, held out of the fit: early stopping and calibration (regressors). */
  heldOutFraction: z.number().min(0).lt(1),
  normalization: z.enum(['raw', 'standard', 'log-standard']),
  /** Standardise the hours targets (the reference trains on raw hours). */
  standardizeTarget: z.boolean(),
  /** The network of a transformer / default model (ignored by moe). */
  network: RegressorSpecSchema,
  training: SupervisedConfigSchema,
  moe: MoeConfigSchema.nullable(),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** What a caller may change on top of a preset. */
export interface TrainOverrides {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  patience?: number | null;
  maxSeconds?: number | null;
  heldOutFraction?: number;
  dModel?: number;
  layers?: number;
  heads?: number;
  ffDim?: number;
  patchLen?: number;
  dropout?: number;
  experts?: number;
  finetuneExperts?: boolean;
  /** Epochs of the mixture's gate (the expert epochs follow `epochs`). */
  gateEpochs?: number;
  loss?: SupervisedConfig['loss'];
  /** What the network predicts (default reward). */
  target?: TargetMode;
}

const referenceTraining: SupervisedConfig = {
  epochs: 100,
  batchSize: 64,
  learningRate: 1e-5,
  schedule: 'constant',
  warmupSteps: 0,
  loss: 'mse',
  huberDelta: 1,
  clipNorm: null,
  weightDecay: 0,
  patience: null,
  restoreBest: false,
  maxSeconds: null,
};

/** Our training: normalised inputs and targets, L1 loss (the figure of merit is the MAE), AdamW, warm-up + cosine. */
const modernTraining: SupervisedConfig = {
  epochs: 30,
  batchSize: 64,
  learningRate: 1e-3,
  schedule: 'cosine',
  warmupSteps: 50,
  loss: 'l1',
  huberDelta: 1,
  clipNorm: 1,
  weightDecay: 1e-4,
  patience: 8,
  restoreBest: true,
  maxSeconds: null,
};

/**
 * The default model, chosen by measurement on the LS6 training set (README,
 * "Models and training"): a transformer over 12 tokens of 12 snapshots each,
 * 2 layers of width 64, flattened into the output layer.
 */
export function defaultNetwork(seqLen: number, inFeatures: number): RegressorSpec {
  const patchLen = seqLen % 12 === 0 ? 12 : 1;
  return {
    type: 'transformer',
    seqLen,
    inFeatures,
    patchLen,
    dModel: 64,
    layers: 2,
    heads: 4,
    ffDim: 128,
    dropout: 0.1,
    positional: true,
    head: 'flatten',
  };
}

/** A smaller transformer with the reference's layout (one token per snapshot) for `--model transformer` without a preset. */
function compactReferenceTransformer(seqLen: number, inFeatures: number): TransformerSpec {
  return { ...paperTransformer(seqLen, inFeatures), dModel: 64, heads: 4, ffDim: 128 };
}

export function resolveTrainConfig(
  kind: ModelKind,
  preset: Preset | null,
  seed: number,
  shape: { seqLen: number; inFeatures: number },
  overrides: TrainOverrides = {},
): TrainConfig {
  const { seqLen, inFeatures } = shape;
  if (kind === 'policy') throw new Error('policy models train in the simulator: use trainPolicy');
  const target = overrides.target ?? 'reward';
  const risk = target === 'wait-risk';
  if (risk && overrides.loss !== undefined && overrides.loss !== 'bce') throw new Error(`a wait-risk network is trained with binary cross-entropy (loss 'bce'), not '${overrides.loss}'`);
  if (!risk && overrides.loss === 'bce') throw new Error("loss 'bce' is for the wait-risk target (0/1 labels), not for reward hours");
  // The risk target: one logit per threshold and cross-entropy, for every phase (a mixture's experts and gate too).
  const asRisk = <T extends RegressorSpec>(spec: T): T => (risk ? { ...spec, outputs: RISK_THRESHOLDS_HOURS.length } : spec);
  const riskLoss = (t: SupervisedConfig): SupervisedConfig => (risk ? { ...t, loss: 'bce' } : t);
  const paper = preset === 'paper';
  let network: RegressorSpec;
  let training: SupervisedConfig;
  if (kind === 'default') {
    if (paper) throw new Error('--preset paper applies to transformer, moe and policy models, not to the default model');
    network = defaultNetwork(seqLen, inFeatures);
    training = { ...modernTraining };
  } else if (paper) {
    network = paperTransformer(seqLen, inFeatures);
    training = { ...referenceTraining };
  } else {
    network = compactReferenceTransformer(seqLen, inFeatures);
    training = { ...modernTraining, epochs: 20 };
  }
  network = asRisk(applyNetworkOverrides(network, overrides));
  training = riskLoss(applyTrainingOverrides(training, overrides));

  let moe: MoeConfig | null = null;
  if (kind === 'moe') {
    const expertTraining = paper
      ? { ...referenceTraining, epochs: overrides.epochs ?? 1000 }
      : // A slice is 5 % of the data: many passes over few rows (the reference runs 1000-2000 epochs).
        applyTrainingOverrides({ ...modernTraining, epochs: 100, patience: 20 }, overrides);
    const gateTraining: SupervisedConfig = paper
      ? { ...referenceTraining, batchSize: 128, epochs: overrides.gateEpochs ?? 50 }
      : { ...modernTraining, learningRate: 3e-3, epochs: overrides.gateEpochs ?? 20, weightDecay: 0, patience: 6 };
    moe = {
      experts: overrides.experts ?? 10,
      expertDataFraction: 0.5,
      expertTrainFraction: 2 / 3,
      expert: paper ? network : asRisk(applyNetworkOverrides(defaultNetwork(seqLen, inFeatures), overrides)),
      expertTraining: riskLoss(expertTraining),
      gateTrainFraction: 0.8,
      gateHidden: 32,
      gateTraining: riskLoss(gateTraining),
      finetuneExperts: overrides.finetuneExperts ?? paper,
    };
  }

  return TrainConfigSchema.parse({
    kind,
    target,
    preset,
    seed,
    heldOutFraction: overrides.heldOutFraction ?? 0.2,
    normalization: paper ? 'raw' : 'log-standard',
    // A wait-risk network's targets are 0/1 labels: nothing to standardise.
    standardizeTarget: !paper && !risk,
    network,
    training,
    moe,
  });
}

function applyNetworkOverrides(network: RegressorSpec, o: TrainOverrides): RegressorSpec {
  if (network.type !== 'transformer') return network;
  return {
    ...network,
    dModel: o.dModel ?? network.dModel,
    layers: o.layers ?? network.layers,
    heads: o.heads ?? network.heads,
    ffDim: o.ffDim ?? network.ffDim,
    patchLen: o.patchLen ?? network.patchLen,
    dropout: o.dropout ?? network.dropout,
  };
}

function applyTrainingOverrides(training: SupervisedConfig, o: TrainOverrides): SupervisedConfig {
  return {
    ...training,
    epochs: o.epochs ?? training.epochs,
    batchSize: o.batchSize ?? training.batchSize,
    learningRate: o.learningRate ?? training.learningRate,
    patience: o.patience !== undefined ? o.patience : training.patience,
    maxSeconds: o.maxSeconds !== undefined ? o.maxSeconds : training.maxSeconds,
    loss: o.loss ?? training.loss,
  };
}
