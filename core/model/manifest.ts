/**
 * mirage-model.json: everything needed to use a saved model correctly besides
 * its weights: what it is, what input it expects (feature mode, names,
 * normalisation), what its output means, what it was trained on and how.
 */
import { z } from 'zod';
import { heldOutNames } from '../held-out-names.js';
import { NormalizationSchema, TargetScaleSchema } from './normalize.js';
import { NetworkSpecSchema } from './spec.js';

export const MODEL_MANIFEST_FILE = 'mirage-model.json';
export const MODEL_SCHEMA_VERSION = 1;

export const MODEL_KINDS = ['transformer', 'moe', 'policy', 'default'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export const FeatureModeSchema = z.enum(['reference', 'decision']);
export type FeatureMode = z.infer<typeof FeatureModeSchema>;

const scalar = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/**
 * What a network's output means. reward: hours (successor start - predecessor
 * end, through target.scale). wait-risk: one logit per wait threshold,
 * P(W > thresholdsHours[k]) with W the queue wait of a successor submitted
 * now: the wait's survival function on a grid (core/model/wait-risk.ts).
 */
export const TARGET_MODES = ['reward', 'wait-risk'] as const;
export type TargetMode = (typeof TARGET_MODES)[number];

const TargetSchema = z
  .object({
    unit: z.literal('hours'),
    scale: TargetScaleSchema,
    /** Absent: 'reward' (every model saved before the wait-risk mode). */
    predicts: z.enum(TARGET_MODES).optional(),
    /** wait-risk: the thresholds of the outputs, hours, increasing. */
    thresholdsHours: z.array(z.number().positive()).min(1).max(64).optional(),
  })
  .refine((t) => (t.predicts === 'wait-risk') === (t.thresholdsHours !== undefined), { message: "thresholdsHours is given with predicts 'wait-risk', and only then" })
  .refine((t) => (t.thresholdsHours ?? []).every((v, i, all) => i === 0 || v > all[i - 1]), { message: 'thresholdsHours must increase' });

export const ModelManifestSchema = z.object({
  schemaVersion: z.literal(MODEL_SCHEMA_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  kind: z.enum(MODEL_KINDS),
  network: NetworkSpecSchema,
  input: z.object({
    featureMode: FeatureModeSchema,
    featureNames: z.array(z.string()),
    seqLen: z.number().int().positive(),
    normalization: NormalizationSchema,
  }),
  target: TargetSchema,
  // Files from before the held-out tail had its name say validationRows, valMaeHours...: read under today's names.
  dataset: z.preprocess(
    heldOutNames,
    z
      .object({
      hash: z.string(),
      rows: z.number().int().nonnegative(),
      samples: z.number().int().nonnegative(),
      trainRows: z.number().int().nonnegative(),
        heldOutRows: z.number().int().nonnegative(),
      })
      .nullable(),
  ),
  /** Training settings (learning rate, batch size, loss, seed, ...). */
  hyperParameters: z.record(z.string(), scalar),
  /** Final figures: held-out MAE in hours, loss, seconds, samples/s, ... */
  metrics: z.preprocess(heldOutNames, z.record(z.string(), z.number())),
  /** The back end the model was trained on, as reported at the time. */
  backend: z.string(),
});
export type ModelManifest = z.infer<typeof ModelManifestSchema>;

export function targetModeOf(manifest: Pick<ModelManifest, 'target'>): TargetMode {
  return manifest.target.predicts ?? 'reward';
}

/** What a caller's data looks like, to check a model against. */
export interface InputDescription {
  featureMode: FeatureMode;
  featureNames: readonly string[];
  seqLen?: number;
}

/** Throws a clear error when a model cannot read data of this description. */
export function assertInputCompatible(manifest: ModelManifest, data: InputDescription, modelDir = 'the model'): void {
  const want = manifest.input;
  if (want.featureMode !== data.featureMode) {
    throw new Error(
      `${modelDir} was trained on '${want.featureMode}' features and cannot be used with '${data.featureMode}' features ` +
        `(generate the data with 'mirage dataset generate --features ${want.featureMode}', or train a model on this data)`,
    );
  }
  if (data.seqLen !== undefined && data.seqLen !== want.seqLen) {
    throw new Error(`${modelDir} reads windows of ${want.seqLen} snapshots, the data has ${data.seqLen}`);
  }
  const a = want.featureNames;
  const b = data.featureNames;
  if (a.length !== b.length || a.some((name, i) => name !== b[i])) {
    const firstDiff = a.findIndex((name, i) => name !== b[i]);
    throw new Error(
      `${modelDir} expects ${a.length} features [${a.slice(0, 3).join(', ')}, ...], the data has ${b.length}` +
        (firstDiff >= 0 ? `; feature ${firstDiff} is '${a[firstDiff]}' in the model and '${b[firstDiff] ?? '(none)'}' in the data` : ''),
    );
  }
}
