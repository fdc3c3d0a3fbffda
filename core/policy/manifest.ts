import { z } from 'zod';
import { DecisionRuleSchema } from '../validate/decide.js';

/**
 * mirage-policy.json: what a policy bundle is. A bundle is one folder that
 * holds everything needed to run a validated policy elsewhere:
 *
 *   mirage-policy.json   this manifest
 *   model/               a copy of the model folder (any kind the loader knows)
 *
 * The manifest says how the model's outputs become submit decisions (the rule
 * as validated), what the policy was trained and validated for (the cluster,
 * the chain's job size), and how it scored. No timestamps: the same run
 * writes the same bytes.
 */

export const POLICY_MANIFEST_FILE = 'mirage-policy.json';
export const POLICY_KIND = 'mirage-policy';
export const POLICY_SCHEMA_VERSION = 1;
/** The model's folder inside a bundle. */
export const POLICY_MODEL_DIR = 'model';

const int = z.number().int();

/**
 * Evaluation numbers: an open record (the summary's figures today, intervals
 * or more tomorrow) of numbers, strings and nested records or lists of them.
 */
export type EvaluationValue = number | string | boolean | null | EvaluationValue[] | { [key: string]: EvaluationValue };
const EvaluationValueSchema: z.ZodType<EvaluationValue> = z.lazy(() =>
  z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(EvaluationValueSchema), z.record(z.string(), EvaluationValueSchema)]),
);

export const PolicyClusterSchema = z.strictObject({
  /** The trace the policy was trained and validated on. */
  trace: z.strictObject({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** Size of the (simulated) cluster and of each chain job, in `unit`s. */
  unit: z.enum(['nodes', 'gpus']),
  nodes: int.min(1),
  /** The partition the trace came from, when known. */
  partition: z.string().min(1).nullable(),
  /** Each chain job: size (in `unit`s) and limit (= run time) in minutes. */
  jobNodes: int.min(1),
  jobMinutes: int.min(1),
  /** Seconds between two decisions (the simulator's snapshot interval). */
  decisionIntervalSec: int.min(1),
});
export type PolicyCluster = z.infer<typeof PolicyClusterSchema>;

export const PolicyManifestSchema = z.strictObject({
  kind: z.literal(POLICY_KIND),
  schemaVersion: z.literal(POLICY_SCHEMA_VERSION),
  /** The tool version that wrote it. */
  createdBy: z.string(),
  /** The policy's name in reports (the validation's label, e.g. model-wait-linear). */
  name: z.string().min(1).max(128),
  model: z.strictObject({
    dir: z.literal(POLICY_MODEL_DIR),
    /** wait-linear, default, transformer, moe, policy. */
    kind: z.string().min(1),
    /** Snapshots per model input and the feature mode it was trained on. */
    seqLen: int.min(1),
    featureMode: z.enum(['decision', 'reference']),
    features: int.min(1),
    /** A wait-risk model's hold-back: it does not submit while the time left exceeds this share of the scheduler's start estimate. */
    waitShareOfEstimate: z.number().positive().max(1).optional(),
    /** A wait-risk model's margin: each decision reads the predecessor's end this many hours nearer than it is. */
    leadMarginHours: z.number().nonnegative().max(2).optional(),
  }),
  /** How the model's outputs become submit decisions, as validated. */
  rule: DecisionRuleSchema,
  /** calibrated: chosen on held-out training samples; configured: as the experiment set it. */
  ruleSource: z.enum(['calibrated', 'configured']),
  /** Hours of overlap worth one hour of interruption (1: both cost the same). */
  cost: z.number().positive(),
  cluster: PolicyClusterSchema,
  evaluation: z.record(z.string(), EvaluationValueSchema),
});
export type PolicyManifest = z.infer<typeof PolicyManifestSchema>;

/** One line per problem, each naming the field. */
export function manifestIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`).join('; ');
}
