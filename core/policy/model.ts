import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { BackendChoice } from '../model/backend-choice.js';
import { readManifest } from '../model/io.js';
import { MODEL_MANIFEST_FILE } from '../model/manifest.js';
import { WAIT_MODEL_FILE, isWaitModelDir, loadWaitModel, readWaitModel } from '../model/wait-model.js';
import { WAIT_RISK_KIND } from '../model/wait-risk.js';
import type { ValidationModel } from '../validate/runner.js';

/**
 * The model folder of a policy, whatever its kind: a wait model
 * (mirage-wait-model.json) or a TensorFlow.js model (mirage-model.json,
 * model.json and its weight files). The one place that tells them apart for
 * bundles, so `validate`, `provision` and the GUI load a bundle's model alike.
 */

/** A loaded model as validation asks it (validate/runner.ts modelEvaluator turns it into the rule's input). */
export type PolicyModel = ValidationModel & { readonly featureMode: 'decision' | 'reference'; dispose(): void };

export interface ModelFacts {
  kind: string;
  seqLen: number;
  featureMode: 'decision' | 'reference';
  features: number;
  /** A wait-risk model's hold-back by the start estimate (absent for every other model). */
  waitShareOfEstimate?: number;
  /** A wait-risk model's margin: its decisions read the predecessor's end this many hours nearer (absent: none). */
  leadMarginHours?: number;
  /** The files the loader reads, relative to the folder: what a bundle copies. */
  files: string[];
}

const WeightPathsSchema = z.object({ weightsManifest: z.array(z.object({ paths: z.array(z.string().regex(/^[^/\\]+$/, 'a file name in the model folder')) })) });

/** What the folder holds, read from its own files (so a bundle's manifest cannot disagree with its model). */
export async function modelFacts(dir: string): Promise<ModelFacts> {
  if (await isWaitModelDir(dir)) {
    const wait = await readWaitModel(dir);
    const risk = wait.kind === WAIT_RISK_KIND ? wait : null;
    return {
      kind: wait.kind,
      seqLen: wait.input.seqLen,
      featureMode: wait.input.featureMode,
      features: wait.input.featureNames.length,
      ...(risk?.waitShareOfEstimate !== undefined ? { waitShareOfEstimate: risk.waitShareOfEstimate } : {}),
      ...(risk?.leadMarginHours !== undefined ? { leadMarginHours: risk.leadMarginHours } : {}),
      files: [WAIT_MODEL_FILE],
    };
  }
  const manifest = await readManifest(dir);
  const modelJson = join(dir, 'model.json');
  let paths: string[];
  try {
    paths = WeightPathsSchema.parse(JSON.parse(await readFile(modelJson, 'utf8'))).weightsManifest.flatMap((g) => g.paths);
  } catch (error) {
    throw new Error(`${modelJson}: cannot read the weight files it lists (${(error as Error).message})`, { cause: error });
  }
  return {
    kind: manifest.kind,
    seqLen: manifest.input.seqLen,
    featureMode: manifest.input.featureMode,
    features: manifest.input.featureNames.length,
    files: [MODEL_MANIFEST_FILE, 'model.json', ...new Set(paths)],
  };
}

/** Loads the model of a folder; TensorFlow.js is imported only for a TensorFlow.js model. */
export async function loadPolicyModel(dir: string, options: { backend?: BackendChoice } = {}): Promise<PolicyModel> {
  if (await isWaitModelDir(dir)) return loadWaitModel(dir);
  const { loadModel } = await import('../model/predictor.js');
  return loadModel(dir, options.backend ? { backend: options.backend } : {});
}
