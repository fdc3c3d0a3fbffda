import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '../dataset/reader.js';
import { generateTraceDataset } from '../dataset/trace-dataset.js';
import { saveWaitModel } from '../model/wait-model.js';
import { fitWaitKind } from '../train/wait.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { keptTrainingSamples } from '../pipeline/config.js';
import { calibrationRules } from '../pipeline/run.js';
import type { WorkOptions } from '../progress.js';
import { parseClock } from '../trace/index.js';
import { chosenTrial, meanCostHours } from '../validate/calibrate.js';
import { runCalibration } from '../validate/calibration-run.js';

/**
 * A learning curve: how a wait-based model kind's held-out cost falls as it
 * is fitted on more of the training period. The held-out tail is fixed (the
 * last `heldOutSamples` training samples before the validation period); the
 * fit takes the `n` samples that end one replay length before it, for each
 * n; the submit rule is calibrated on the tail as in `mirage run`, and the
 * chosen rule's mean cost there is the score (beside reactive's on the same
 * samples). Only training-period data: the validation period is never used.
 */

export interface LearningPoint {
  model: 'wait-risk' | 'wait-linear';
  fitSamples: number;
  heldOutSamples: number;
  meanCostHours: number;
  reactiveCostHours: number;
}

export async function learningCurve(
  config: PipelineConfig,
  options: WorkOptions & { tracePath: string; sizes: readonly number[]; heldOutSamples: number; workDir: string },
): Promise<LearningPoint[]> {
  const step = config.chain.intervalHours * 3600;
  const replaySamples = Math.ceil(((config.chain.warmupDays + config.chain.workloadDays) * 86400) / step);
  const total = keptTrainingSamples(config);
  const largest = Math.max(...options.sizes);
  const need = largest + replaySamples + options.heldOutSamples;
  if (need > total) throw new Error(`learning curve: ${need} training samples needed (largest fit ${largest} + gap ${replaySamples} + held out ${options.heldOutSamples}), the training period has ${total}`);
  const startSec = parseClock(config.dataset.start) + (total - need) * step;
  const schedule = { startSec, samples: need, ...config.chain };
  const dataDir = join(options.workDir, 'data');
  await generateTraceDataset(
    { tracePath: options.tracePath, format: config.trace.format, schedule, sim: config.sim, policy: { kind: 'probes', probes: config.dataset.probes }, featureMode: config.dataset.featureMode, seed: config.training.seed },
    { outDir: dataDir, resume: true, signal: options.signal, onProgress: options.onProgress },
  );
  const dataset = await openDataset(dataDir);
  const heldFrom = need - options.heldOutSamples;
  const heldOut = Int32Array.from({ length: dataset.count }, (_, i) => i).filter((i) => dataset.columns.sample_index[i] >= heldFrom);
  const tuning = Array.from({ length: options.heldOutSamples }, (_, i) => heldFrom + i);
  const points: LearningPoint[] = [];
  for (const model of ['wait-risk', 'wait-linear'] as const) {
    for (const n of [...options.sizes].sort((a, b) => a - b)) {
      const fitFrom = heldFrom - replaySamples - n;
      const train = Int32Array.from({ length: dataset.count }, (_, i) => i).filter((i) => {
        const s = dataset.columns.sample_index[i];
        return s >= fitFrom && s < fitFrom + n;
      });
      const fitted = fitWaitKind(model, dataset, train, heldOut);
      const modelDir = await mkdtemp(join(options.workDir, `${model}-`));
      try {
        await saveWaitModel(modelDir, fitted);
        const calibration = await runCalibration(
          {
            tracePath: options.tracePath,
            format: config.trace.format,
            sim: config.sim,
            schedule,
            indices: tuning,
            modelDir,
            ...calibrationRules({ ...config, training: { ...config.training, model } }),
            overlapHoursPerInterruptionHour: config.cost.overlapHoursPerInterruptionHour,
          },
          { signal: options.signal, onProgress: options.onProgress },
        );
        const R = config.cost.overlapHoursPerInterruptionHour;
        const chosen = chosenTrial(calibration);
        points.push({ model, fitSamples: n, heldOutSamples: options.heldOutSamples, meanCostHours: meanCostHours(chosen.stats, R), reactiveCostHours: meanCostHours(calibration.baselines!.reactive, R) });
      } finally {
        await rm(modelDir, { recursive: true, force: true });
      }
    }
  }
  return points;
}

/** A scratch folder for a learning curve (the CLI removes it). */
export function learningWorkDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mirage-learning-'));
}
