/**
 * The TensorFlow.js back ends a user may ask for (core/model/backend.ts
 * chooses and starts one), apart from it so that command lines and configs
 * list them without loading TensorFlow.js.
 */
export const BACKEND_CHOICES = ['auto', 'node-gpu', 'node', 'wasm', 'cpu', 'webgpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
