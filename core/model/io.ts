/**
 * Saved model folders in TensorFlow.js format: model.json (topology + weights
 * manifest) and weights.bin (float32, little-endian, in manifest order), plus
 * mirage-model.json. Every file is written atomically (temp file + rename);
 * mirage-model.json is written last, so its presence marks a complete model.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { ModelManifest } from './manifest.js';
import { MODEL_MANIFEST_FILE, ModelManifestSchema } from './manifest.js';
import type { NamedValues } from './params.js';
import type { NetworkSpec } from './spec.js';
import { NetworkSpecSchema } from './spec.js';
import { z } from 'zod';

export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

const WeightsManifestSchema = z.array(
  z.object({
    paths: z.array(z.string()).min(1),
    weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.literal('float32') })),
  }),
);

const ModelJsonSchema = z.object({
  format: z.string(),
  generatedBy: z.string(),
  convertedBy: z.null(),
  modelTopology: z.unknown(),
  weightsManifest: WeightsManifestSchema,
});

/** Concatenates tensors as little-endian float32 (the TF.js weights layout). */
export function encodeWeights(values: NamedValues[]): { specs: { name: string; shape: number[]; dtype: 'float32' }[]; data: Uint8Array } {
  const total = values.reduce((n, v) => n + v.values.length, 0);
  const data = new Uint8Array(total * 4);
  const view = new DataView(data.buffer);
  let offset = 0;
  for (const v of values) {
    for (let i = 0; i < v.values.length; i++, offset += 4) view.setFloat32(offset, v.values[i], true);
  }
  return { specs: values.map((v) => ({ name: v.name, shape: v.shape, dtype: 'float32' as const })), data };
}

export function decodeWeights(specs: { name: string; shape: number[] }[], data: Uint8Array, source: string): NamedValues[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0) * 4;
  if (expected !== data.byteLength) throw new Error(`${source}: holds ${data.byteLength} bytes, its manifest describes ${expected}`);
  let offset = 0;
  return specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++, offset += 4) values[i] = view.getFloat32(offset, true);
    return { name: s.name, shape: s.shape, values };
  });
}

/** Writes model.json + weights.bin for a network into `dir`. */
export async function saveNetworkFiles(dir: string, spec: NetworkSpec, values: NamedValues[]): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const { specs, data } = encodeWeights(values);
  await writeFileAtomic(path.join(dir, WEIGHTS_FILE), data);
  const modelJson = {
    format: 'mirage-network',
    generatedBy: `${TOOL_NAME} ${TOOL_VERSION}`,
    convertedBy: null,
    modelTopology: spec,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  await writeFileAtomic(path.join(dir, MODEL_JSON_FILE), JSON.stringify(modelJson, null, 1) + '\n');
}

export async function readNetworkFiles(dir: string): Promise<{ spec: NetworkSpec; values: NamedValues[] }> {
  const jsonPath = path.join(dir, MODEL_JSON_FILE);
  const parsed = ModelJsonSchema.safeParse(JSON.parse(await readText(jsonPath)));
  if (!parsed.success) throw new Error(`${jsonPath}: not a Mirage model.json: ${parsed.error.issues[0]?.message ?? ''}`);
  const topology = NetworkSpecSchema.safeParse(parsed.data.modelTopology);
  if (!topology.success) throw new Error(`${jsonPath}: unknown network topology: ${topology.error.issues[0]?.message ?? ''}`);
  const values: NamedValues[] = [];
  for (const group of parsed.data.weightsManifest) {
    const chunks = await Promise.all(group.paths.map((p) => fs.readFile(path.join(dir, p))));
    const data = chunks.length === 1 ? new Uint8Array(chunks[0]) : new Uint8Array(Buffer.concat(chunks));
    values.push(...decodeWeights(group.weights, data, path.join(dir, group.paths[0])));
  }
  return { spec: topology.data, values };
}

export async function saveManifest(dir: string, manifest: ModelManifest): Promise<void> {
  await writeFileAtomic(path.join(dir, MODEL_MANIFEST_FILE), JSON.stringify(ModelManifestSchema.parse(manifest), null, 1) + '\n');
}

export async function readManifest(dir: string): Promise<ModelManifest> {
  const file = path.join(dir, MODEL_MANIFEST_FILE);
  const text = await readText(file, `${dir} is not a saved Mirage model (no ${MODEL_MANIFEST_FILE})`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ModelManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

async function readText(file: string, missing?: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(missing ?? `${file}: file not found`, { cause: err });
    throw err;
  }
}
