/** Models: back-end choice, networks, saved model folders, the predictor API. */
export type { BackendChoice, BackendInfo, BackendName } from './backend.js';
export { BACKEND_CHOICES, currentBackend, ensureBackend, initBackend, parseBackendChoice } from './backend.js';
export type { FeatureMode, InputDescription, ModelKind, ModelManifest } from './manifest.js';
export { assertInputCompatible, MODEL_KINDS, MODEL_MANIFEST_FILE, ModelManifestSchema } from './manifest.js';
export { readManifest } from './io.js';
export type { LoadOptions, Predictor } from './predictor.js';
export { loadModel, predictorFor } from './predictor.js';
export type { MlpSpec, MoeSpec, NetworkSpec, PolicySpec, RegressorSpec, TransformerSpec } from './spec.js';
export { NetworkSpecSchema, paperTransformer } from './spec.js';
