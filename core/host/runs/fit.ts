import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { heldOutNames } from '../../held-out-names.js';
import type { ModelFit } from '../../api/experiment.js';
import { DecisionRuleSchema, describeRule } from '../../validate/decide.js';

/**
 * What a run's model is and how well it fitted, read from its training and
 * calibration stages: a closed-form model (wait-linear) has no epochs or
 * loss curve, so this is what its run page shows instead. Read leniently:
 * any file missing or unreadable leaves that part out, never fails the page.
 */

const PipelineStagesSchema = z.object({ stages: z.array(z.object({ stage: z.string(), dir: z.string() })) });
const ModelFileSchema = z.object({
  kind: z.string(),
  metrics: z.preprocess(heldOutNames, z.record(z.string(), z.number()).optional()),
  features: z.array(z.string()).optional(),
  dataset: z.preprocess(heldOutNames, z.object({ trainRows: z.number(), heldOutRows: z.number() }).partial().optional()),
  network: z.object({ type: z.string() }).partial().optional(),
});
const CalibrationFileSchema = z.object({
  rule: z.record(z.string(), z.unknown()),
  samples: z.number().optional(),
  trials: z.array(z.unknown()).optional(),
});

/** What each closed-form model is, in a phrase. */
const CLOSED_FORM: Record<string, [what: string, how: string]> = {
  'wait-linear': ['ridge regression of the queue wait', 'fitted in closed form'],
  'wait-risk': ['logistic regressions of the risk that the successor still waits when the predecessor ends', "fitted by Newton's method"],
};

/** The model files a training stage may hold: the closed-form wait models', then the neural models' manifest. */
const MODEL_FILES = ['mirage-wait-model.json', 'mirage-model.json'];

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** Stage folders by stage name, from a finished run's pipeline.json, or as the running pipeline announced them. */
export async function stageDirsOf(runDir: string, known: ReadonlyMap<string, string> = new Map()): Promise<Map<string, string>> {
  const dirs = new Map(known);
  const parsed = PipelineStagesSchema.safeParse(await readJson(join(runDir, 'pipeline.json')));
  if (parsed.success) for (const s of parsed.data.stages) if (!dirs.has(s.stage)) dirs.set(s.stage, join(runDir, s.dir));
  return dirs;
}

export async function readModelFit(stageDirs: ReadonlyMap<string, string>): Promise<ModelFit | null> {
  const trainingDir = stageDirs.get('training');
  if (!trainingDir) return null;
  let model: z.infer<typeof ModelFileSchema> | null = null;
  for (const file of MODEL_FILES) {
    const parsed = ModelFileSchema.safeParse(await readJson(join(trainingDir, 'model', file)));
    if (parsed.success) {
      model = parsed.data;
      break;
    }
  }
  if (!model) return null;
  const closedForm = model.features !== undefined;
  const calibrationDir = stageDirs.get('calibration');
  const calibration = calibrationDir ? CalibrationFileSchema.safeParse(await readJson(join(calibrationDir, 'calibration.json'))) : null;
  return {
    kind: model.kind,
    closedForm,
    description: closedForm
      ? `${(CLOSED_FORM[model.kind] ?? ['a model of the queue wait', 'fitted directly'])[0]} on ${model.features!.length} queue features, ${(CLOSED_FORM[model.kind] ?? ['', 'fitted directly'])[1]} (no epochs, no TensorFlow.js)`
      : (model.network?.type ?? model.kind),
    metrics: model.metrics ?? {},
    trainRows: model.dataset?.trainRows ?? null,
    heldOutRows: model.dataset?.heldOutRows ?? null,
    calibration: calibration?.success
      ? { rule: ruleText(calibration.data.rule), samples: calibration.data.samples ?? null, candidates: calibration.data.trials?.length ?? null }
      : null,
  };
}

/** The rule in the words the report and `mirage policy info` use (decide.ts); a file it does not parse as a rule, as JSON. */
function ruleText(rule: Record<string, unknown>): string {
  const parsed = DecisionRuleSchema.safeParse(rule);
  return parsed.success ? describeRule(parsed.data) : JSON.stringify(rule);
}
