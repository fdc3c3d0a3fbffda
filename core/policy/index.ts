/**
 * Policy bundles: one self-contained folder per validated policy (its model,
 * its submit rule as calibrated, the cluster it was made for, its scores),
 * written by `mirage run` and read by `mirage validate --policy`,
 * `mirage provision --policy`, `mirage policy info`, the Slurm job-array
 * commands and the GUI, all through loadPolicyBundle.
 */
export { loadPolicyBundle, writePolicyBundle } from './bundle.js';
export type { PolicyBundle, PolicyBundleInput } from './bundle.js';
export { POLICY_KIND, POLICY_MANIFEST_FILE, POLICY_MODEL_DIR, POLICY_SCHEMA_VERSION, PolicyManifestSchema } from './manifest.js';
export type { EvaluationValue, PolicyCluster, PolicyManifest } from './manifest.js';
export { loadPolicyModel, modelFacts } from './model.js';
export type { ModelFacts, PolicyModel } from './model.js';
export { formatPolicyInfo, provisionCommand } from './info.js';
export { MAX_TAR_BYTES, tarFolder } from './tar.js';
