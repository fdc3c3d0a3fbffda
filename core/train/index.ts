/** Training: data in memory, configurations, the regressors' and the policy agent's training loops, events. */
export type { TrainingData, RowSplit } from './data.js';
export { splitBySampleTime, validateTrainingData } from './data.js';
export type { Preset, TrainConfig, TrainOverrides } from './config.js';
export { PRESETS, resolveTrainConfig, TrainConfigSchema } from './config.js';
export type { TrainEvent, TrainEventType } from './events.js';
export { TrainEventSchema } from './events.js';
export type { TrainRequest, TrainResult, TrainRunOptions } from './train.js';
export { trainModel } from './train.js';
export type { EnvStep, EpisodeEnv, PolicyConfig, PolicyResult, PolicyTrainRequest } from './policy.js';
export { PolicyConfigSchema, REFERENCE_POLICY_CONFIG, trainPolicy } from './policy.js';
export type { ChainEnvOptions } from './chain-env.js';
export { chainEpisodeEnv, REFERENCE_EPISODES } from './chain-env.js';
export { datasetContentHash, loadTrainingData, trainingDataFromDataset } from './dataset-data.js';
export { syntheticTrainingData } from './synthetic.js';
