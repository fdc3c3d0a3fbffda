import { openDataset, splitDatasetHeldOut } from '../dataset/reader.js';
import type { Dataset } from '../dataset/reader.js';
import { WAIT_MODEL_KIND, fitWaitModel, saveWaitModel } from '../model/wait-model.js';
import type { AnyWaitModel } from '../model/wait-model.js';
import { WAIT_RISK_KIND, fitWaitRiskModel } from '../model/wait-risk.js';

export type WaitModelKind = typeof WAIT_MODEL_KIND | typeof WAIT_RISK_KIND;
export const WAIT_MODEL_KINDS: readonly WaitModelKind[] = [WAIT_RISK_KIND, WAIT_MODEL_KIND];

export function isWaitModelKind(kind: string): kind is WaitModelKind {
  return (WAIT_MODEL_KINDS as readonly string[]).includes(kind);
}

/**
 * Fits a wait-based model (`wait-risk` or `wait-linear`) on a dataset folder
 * and saves it: the fit uses the samples before the held-out tail (the one
 * split, core/dataset/split.ts), so its metrics and any calibration on that
 * tail are out of sample. `mirage train` and `mirage run` both come here.
 * With `allRowsDir`, the same kind is also fitted on every row, the tail
 * included, and saved there (what `mirage run` validates once calibration has
 * used the first fit), from the one read of the dataset.
 */
export async function trainWaitModelOnDataset(
  dataDir: string,
  modelDir: string,
  options: { kind?: WaitModelKind; heldOutFraction: number; allRowsDir?: string },
): Promise<AnyWaitModel> {
  const dataset = await openDataset(dataDir);
  if (dataset.count === 0) throw new Error(`${dataDir}: the dataset holds no examples`);
  const kind = options.kind ?? WAIT_MODEL_KIND;
  const split = splitDatasetHeldOut(dataset, options.heldOutFraction);
  const model = fitWaitKind(kind, dataset, split.train, split.heldOut);
  await saveWaitModel(modelDir, model);
  if (options.allRowsDir !== undefined) {
    const all = splitDatasetHeldOut(dataset, 0);
    await saveWaitModel(options.allRowsDir, fitWaitKind(kind, dataset, all.train, all.heldOut));
  }
  return model;
}

/** Fits a wait-based model kind on the given example rows of a dataset, scoring it on the held-out rows. */
export function fitWaitKind(kind: WaitModelKind, dataset: Dataset, train: ArrayLike<number>, heldOut: ArrayLike<number>): AnyWaitModel {
  const rows = {
    features: dataset.features,
    count: dataset.count,
    seqLen: dataset.windowLength,
    featureNames: dataset.manifest.featureNames,
    featureMode: dataset.manifest.config.featureMode,
    submitSec: dataset.columns.submit_sec,
    succStartSec: dataset.columns.succ_start_sec,
    train,
  };
  // The cluster the dataset was simulated on: free-node features are fractions of it.
  const clusterNodes = dataset.manifest.config.sim.nodes;
  if (kind !== WAIT_RISK_KIND) return fitWaitModel({ ...rows, heldOut }, { clusterNodes });
  return fitWaitRiskModel({ ...rows, heldOut, forecastWaitSec: dataset.columns.forecast_wait_sec }, { clusterNodes, scheduler: dataset.manifest.config.sim });
}
