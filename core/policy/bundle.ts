import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { MODEL_MANIFEST_FILE } from '../model/manifest.js';
import { WAIT_MODEL_FILE } from '../model/wait-model.js';
import type { DecisionRule } from '../validate/decide.js';
import { TOOL_VERSION } from '../version.js';
import type { EvaluationValue, PolicyCluster, PolicyManifest } from './manifest.js';
import { POLICY_KIND, POLICY_MANIFEST_FILE, POLICY_MODEL_DIR, POLICY_SCHEMA_VERSION, PolicyManifestSchema, manifestIssues } from './manifest.js';
import { modelFacts } from './model.js';

export interface PolicyBundleInput {
  /** The model folder to copy (a wait model or a TensorFlow.js model). */
  modelDir: string;
  name: string;
  rule: DecisionRule;
  ruleSource: PolicyManifest['ruleSource'];
  /** Hours of overlap worth one hour of interruption (default 1). */
  cost?: number;
  cluster: PolicyCluster;
  evaluation: Record<string, EvaluationValue>;
}

/** A bundle as loaded: its manifest, where its model is, the rule it was validated with. */
export interface PolicyBundle {
  /** Absolute path of the bundle folder. */
  dir: string;
  manifest: PolicyManifest;
  /** Absolute path of the model folder inside it. */
  modelDir: string;
  rule: DecisionRule;
}

/**
 * Writes a bundle folder: the model's files (only those its loader reads: no
 * training checkpoints) and the manifest, into a temporary sibling that
 * replaces `dir` in one rename, so a reader sees the old bundle or the whole
 * new one. Returns the manifest written.
 */
export async function writePolicyBundle(dir: string, input: PolicyBundleInput): Promise<PolicyManifest> {
  const target = resolve(dir);
  const facts = await modelFacts(input.modelDir);
  const manifest = parseManifest(
    {
      kind: POLICY_KIND,
      schemaVersion: POLICY_SCHEMA_VERSION,
      createdBy: `mirage ${TOOL_VERSION}`,
      name: input.name,
      model: {
        dir: POLICY_MODEL_DIR,
        kind: facts.kind,
        seqLen: facts.seqLen,
        featureMode: facts.featureMode,
        features: facts.features,
        ...(facts.waitShareOfEstimate === undefined ? {} : { waitShareOfEstimate: facts.waitShareOfEstimate }),
        ...(facts.leadMarginHours === undefined ? {} : { leadMarginHours: facts.leadMarginHours }),
      },
      rule: input.rule,
      ruleSource: input.ruleSource,
      cost: input.cost ?? 1,
      cluster: input.cluster,
      evaluation: input.evaluation,
    },
    'policy bundle',
  );
  checkRuleFitsModel(manifest, 'policy bundle');
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(dirname(target), `.${basename(target)}.tmp-${tag}`);
  const old = join(dirname(target), `.${basename(target)}.old-${tag}`);
  await mkdir(join(temp, POLICY_MODEL_DIR), { recursive: true });
  try {
    for (const file of facts.files) await copyFile(join(input.modelDir, file), join(temp, POLICY_MODEL_DIR, file));
    await writeFileAtomic(join(temp, POLICY_MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
    // Move an existing bundle aside first: a folder cannot be renamed over a non-empty one.
    const existed = await rename(target, old).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    await rename(temp, target);
    if (existed) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return manifest;
}

/**
 * Reads and checks a bundle: the manifest (kind, schema version, every field),
 * then that the model folder holds the model the manifest describes. Every
 * error names the file and what is wrong with it.
 */
export async function loadPolicyBundle(dir: string): Promise<PolicyBundle> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info) throw new Error(`${root}: no such policy bundle folder`);
  if (!info.isDirectory()) throw new Error(`${root}: a policy bundle is a folder (with ${POLICY_MANIFEST_FILE}), this is a file`);
  const file = join(root, POLICY_MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(`${root}: not a Mirage policy bundle (no ${POLICY_MANIFEST_FILE})${await modelFolderHint(root)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const head = json as { kind?: unknown; schemaVersion?: unknown; createdBy?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.kind !== POLICY_KIND) {
    throw new Error(`${file}: not a Mirage policy manifest (kind ${JSON.stringify(head?.kind ?? null)}, expected "${POLICY_KIND}")`);
  }
  if (head.schemaVersion !== POLICY_SCHEMA_VERSION) {
    const by = typeof head.createdBy === 'string' ? `, written by ${head.createdBy}` : '';
    throw new Error(`${file}: schema version ${JSON.stringify(head.schemaVersion ?? null)}${by}; this mirage (${TOOL_VERSION}) reads version ${POLICY_SCHEMA_VERSION}: write the bundle again with this version (mirage run)`);
  }
  const manifest = parseManifest(json, file);
  checkRuleFitsModel(manifest, file);
  const modelDir = join(root, POLICY_MODEL_DIR);
  let facts;
  try {
    facts = await modelFacts(modelDir);
  } catch (error) {
    throw new Error(`${root}: its model folder cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const expected = manifest.model;
  for (const key of ['kind', 'seqLen', 'featureMode', 'features', 'waitShareOfEstimate', 'leadMarginHours'] as const) {
    if (facts[key] !== expected[key]) {
      throw new Error(`${file}: model.${key} is ${JSON.stringify(expected[key])} but ${modelDir} holds a model with ${key} ${JSON.stringify(facts[key])}`);
    }
  }
  return { dir: root, manifest, modelDir, rule: manifest.rule };
}

function parseManifest(value: unknown, where: string): PolicyManifest {
  const parsed = PolicyManifestSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${where}: ${manifestIssues(parsed.error)}`);
  return parsed.data;
}

function checkRuleFitsModel(manifest: PolicyManifest, where: string): void {
  if (manifest.rule.kind === 'policy' && manifest.model.kind !== 'policy') {
    throw new Error(`${where}: rule.kind is 'policy' (submit on the model's action) but the model is a ${manifest.model.kind} regressor, which gives no action probabilities`);
  }
}

async function modelFolderHint(dir: string): Promise<string> {
  if (await stat(join(dir, 'policy', POLICY_MANIFEST_FILE)).then(() => true, () => false)) {
    return `: it looks like a \`mirage run\` output folder; its bundle is ${join(dir, 'policy')}`;
  }
  for (const name of [WAIT_MODEL_FILE, MODEL_MANIFEST_FILE]) {
    if (await stat(join(dir, name)).then(() => true, () => false)) {
      return `: it is a model folder (${name}); a bundle holds a model and its validated submit rule: \`mirage run\` writes one to OUT/policy`;
    }
  }
  return '';
}
