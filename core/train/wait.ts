import { openDataset, sampleTimeQuantile, splitBySampleTime } from '../dataset/reader.js';
import { fitWaitModel, saveWaitModel } from '../model/wait-model.js';
import type { WaitModel } from '../model/wait-model.js';

/**
 * Fits the `wait-linear` model on a dataset folder and saves it: the fit uses
 * the samples before the held-out tail (the same split by sample time that
 * neural training uses), so its metrics and any calibration on that tail are
 * out of sample. `mirage train --model wait-linear` and `mirage run` both come here.
 */
export async function trainWaitModelOnDataset(dataDir: string, modelDir: string, options: { validationFraction: number }): Promise<WaitModel> {
  const dataset = await openDataset(dataDir);
  if (dataset.count === 0) throw new Error(`${dataDir}: the dataset holds no examples`);
  const split = splitBySampleTime(dataset, sampleTimeQuantile(dataset, options.validationFraction));
  const model = fitWaitModel(
    {
      features: dataset.features,
      count: dataset.count,
      seqLen: dataset.windowLength,
      featureNames: dataset.manifest.featureNames,
      featureMode: dataset.manifest.config.featureMode,
      submitSec: dataset.columns.submit_sec,
      succStartSec: dataset.columns.succ_start_sec,
      train: split.train,
      validation: split.validation,
    },
    // The cluster the dataset was simulated on: free-node features are fractions of it.
    { clusterNodes: dataset.manifest.config.sim.nodes },
  );
  await saveWaitModel(modelDir, model);
  return model;
}
