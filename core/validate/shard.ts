import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { DecisionRuleSchema } from './decide.js';
import { writeFileAtomic } from '../files/atomic.js';
import { ShardSchema, stableJson } from '../dataset/manifest.js';
import type { Shard } from '../dataset/manifest.js';
import { plannedSamples } from '../dataset/schedule.js';
import { BACKEND_CHOICES } from '../model/backend-choice.js';
import type { WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import { ChainScheduleSchema, scheduledSamples } from '../sim/chain.js';
import { parseSimConfig, SimConfigSchema } from '../sim/config.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { writeValidationRun } from './output.js';
import { policyLabel } from './policies.js';
import type { SampleOutcome, ValidationPolicy } from './policies.js';
import { collectValidationOutcomes, policiesOfRun, validationOutputOf } from './run.js';
import type { ValidationOptions, ValidationPlan, ValidationRequest } from './run.js';
import type { ValidationSummary } from './summary.js';

/**
 * A validation split over a Slurm job array: shard K/N runs every policy on
 * the samples i with i % N == K (the convention of `dataset generate
 * --shard`) and writes its outcomes plus a manifest of the whole request; the
 * merge checks the shards belong together and writes the run folder through
 * the same writer as an unsharded run, so the bytes are the same.
 *
 * Nothing random here depends on the split: baselines draw nothing, and a
 * sampled policy's draw comes from (seed, sample index, decision number)
 * (core/validate/decide.ts).
 */

export const SHARD_FILES = { manifest: 'manifest.json', outcomes: 'outcomes.json' } as const;
export const VALIDATION_SHARD_FORMAT = 'mirage-validation-shard';
export const VALIDATION_SHARD_SCHEMA_VERSION = 1;

const int = z.number().int();

const ValidationPolicySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('reactive') }),
  z.strictObject({ kind: z.literal('average') }),
  z.strictObject({ kind: z.literal('quantile'), q: z.number().min(0).max(1), window: int.min(1) }),
  z.strictObject({
    kind: z.literal('model'),
    modelDir: z.string().min(1),
    rule: DecisionRuleSchema,
    backend: z.enum(BACKEND_CHOICES).optional(),
    label: z.string().optional(),
  }),
]);

/** Everything that decides a validation's outputs: equal requests give equal run folders. */
const ValidationRequestSchema = z.strictObject({
  trace: z.strictObject({
    /** File name only: the outputs name the trace by it, wherever it lay. */
    name: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    format: z.enum(['auto', 'mirage', 'sacct', 'swf']),
  }),
  schedule: ChainScheduleSchema,
  /** Every default filled in. */
  sim: SimConfigSchema,
  /** The policy under test first, then the baselines, as the run orders them. */
  policies: z.array(ValidationPolicySchema).min(1),
  /** sha256 over the model folder's files (names and bytes), when a model is among the policies. */
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  run: z.record(z.string(), z.unknown()).optional(),
  title: z.string().optional(),
});
export type ShardRequest = z.infer<typeof ValidationRequestSchema>;

export const ValidationShardManifestSchema = z.strictObject({
  format: z.literal(VALIDATION_SHARD_FORMAT),
  schemaVersion: z.literal(VALIDATION_SHARD_SCHEMA_VERSION),
  tool: z.strictObject({ name: z.string(), version: z.string() }),
  request: ValidationRequestSchema,
  shard: ShardSchema,
  /** The sample indices this shard ran, ascending. */
  samples: z.array(int.min(0)),
});
export type ValidationShardManifest = z.infer<typeof ValidationShardManifestSchema>;

/**
 * JSON cannot hold NaN, the infinities or -0; a model's output can be any of
 * them and reward.log prints them, so they travel as strings.
 */
const SPECIAL_NUMBERS = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY, '-0': -0 } as const;
const num = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity', '-0'])]).transform((v) => (typeof v === 'number' ? v : SPECIAL_NUMBERS[v]));

function encodeNumber(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

const SampleOutcomeSchema = z.strictObject({
  index: int.min(0),
  sampleStartSec: num,
  predEndSec: num,
  submitSec: num,
  succStartSec: num,
  rewardSeconds: num,
  backfillSec: num.nullable(),
  expected: num,
  expectedIsInt: z.boolean(),
  decisions: int.min(0),
});

const ShardOutcomesSchema = z.strictObject({
  /** policyLabel of each policy, in the request's order. */
  policies: z.array(z.string()),
  /** Per policy, the outcome of each of the shard's samples, ascending. */
  outcomes: z.array(z.array(SampleOutcomeSchema)),
});

/** sha256 over a folder's files: each relative path, size and bytes, in sorted path order. */
export async function hashFolder(dir: string): Promise<string> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    const bytes = await readFile(join(dir, file));
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** The request as a shard records it: what every shard of one run must agree on. */
async function shardRequestOf(request: ValidationRequest, sha256: string): Promise<ShardRequest> {
  const policies = policiesOfRun(request.policy, request.baselines).map((p) => (p.kind === 'model' ? { ...p, modelDir: resolve(p.modelDir) } : p));
  const models = [...new Set(policies.flatMap((p) => (p.kind === 'model' ? [p.modelDir] : [])))];
  // One model per run (the policy under test); hash them all in order should that change.
  const modelSha256 = models.length === 0 ? null : models.length === 1 ? await hashFolder(models[0]) : createHash('sha256').update((await Promise.all(models.map(hashFolder))).join('\n')).digest('hex');
  return {
    trace: { name: basename(request.tracePath), sha256, format: request.format ?? 'auto' },
    schedule: ChainScheduleSchema.parse(request.schedule),
    sim: parseSimConfig(request.sim ?? {}),
    policies,
    modelSha256,
    ...(request.run ? { run: request.run } : {}),
    ...(request.title !== undefined ? { title: request.title } : {}),
  };
}

export interface ShardResult {
  outDir: string;
  manifest: ValidationShardManifest;
  modelCalls: number;
  modelWindows: number;
}

/**
 * Runs shard `shard` of a validation (the samples i with i % count == index)
 * and writes its folder: outcomes.json, then manifest.json (last, so a folder
 * with a manifest is a finished shard). request.outDir is the shard folder.
 */
export async function runValidationShard(request: ValidationRequest, shard: Shard, options: ValidationOptions = {}): Promise<ShardResult> {
  const checked = ShardSchema.parse(shard);
  const schedule = ChainScheduleSchema.parse(request.schedule);
  if (scheduledSamples(schedule).length === 0) throw new Error('the schedule has no sample left to validate (all excluded)');
  const { indices } = plannedSamples(schedule, checked);
  const collected = await collectValidationOutcomes(request, { ...options, only: indices });
  throwIfAborted(options.signal);
  const manifest: ValidationShardManifest = {
    format: VALIDATION_SHARD_FORMAT,
    schemaVersion: VALIDATION_SHARD_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    request: await shardRequestOf(request, collected.plan.sha256),
    shard: checked,
    samples: indices,
  };
  const outcomes = {
    policies: collected.plan.policies.map(policyLabel),
    outcomes: collected.outcomes.map((byIndex) => indices.map((i) => byIndex.get(i)!)),
  };
  await mkdir(request.outDir, { recursive: true });
  await writeFileAtomic(join(request.outDir, SHARD_FILES.outcomes), JSON.stringify(outcomes, (_k, v: unknown) => (typeof v === 'number' ? encodeNumber(v) : v)) + '\n');
  await writeFileAtomic(join(request.outDir, SHARD_FILES.manifest), JSON.stringify(manifest, null, 2) + '\n');
  return { outDir: request.outDir, manifest, modelCalls: collected.modelCalls, modelWindows: collected.modelWindows };
}

interface ReadShard {
  dir: string;
  manifest: ValidationShardManifest;
  outcomes: SampleOutcome[][];
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${path}: ${code === 'ENOENT' ? `missing: not a ${what} (or the shard did not finish)` : (error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`, { cause: error });
  }
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}` : 'invalid';
}

/** Reads and checks one shard folder. */
export async function readValidationShard(dir: string): Promise<ReadShard> {
  const manifestPath = join(dir, SHARD_FILES.manifest);
  const rawManifest = await readJson(manifestPath, 'validation shard folder');
  const parsed = ValidationShardManifestSchema.safeParse(rawManifest);
  if (!parsed.success) throw new Error(`${manifestPath}: not a validation shard manifest (${issueText(parsed.error)})`);
  // The parsed copy orders keys by the schema; the raw one keeps the writer's order, which summary.json echoes.
  const manifest = rawManifest as ValidationShardManifest;
  const outcomesPath = join(dir, SHARD_FILES.outcomes);
  const outcomes = ShardOutcomesSchema.safeParse(await readJson(outcomesPath, 'validation shard folder'));
  if (!outcomes.success) throw new Error(`${outcomesPath}: not validation shard outcomes (${issueText(outcomes.error)})`);
  const labels = manifest.request.policies.map((p) => policyLabel(p as ValidationPolicy));
  if (outcomes.data.policies.join('\n') !== labels.join('\n') || outcomes.data.outcomes.length !== labels.length) {
    throw new Error(`${outcomesPath}: holds policies [${outcomes.data.policies.join(', ')}], the manifest names [${labels.join(', ')}]`);
  }
  outcomes.data.outcomes.forEach((list, p) => {
    const got = list.map((o) => o.index);
    if (got.join(',') !== manifest.samples.join(',')) {
      throw new Error(`${outcomesPath}: ${labels[p]} has samples [${brief(got)}], the manifest lists [${brief(manifest.samples)}]`);
    }
  });
  return { dir, manifest, outcomes: outcomes.data.outcomes };
}

/**
 * Joins the shard folders of one sharded validation into the run folder an
 * unsharded `runValidation` of the same request writes, byte for byte.
 * Refuses shards of different requests, a shard given twice or missing, and
 * a shard whose samples are not the ones its K/N assigns it.
 */
export async function mergeValidationShards(shardDirs: readonly string[], outDir: string, options: WorkOptions = {}): Promise<ValidationSummary> {
  if (shardDirs.length === 0) throw new Error('no shard folders given');
  const shards: ReadShard[] = [];
  for (const [k, dir] of shardDirs.entries()) {
    throwIfAborted(options.signal);
    options.onProgress?.({ stage: 'read shards', done: k, total: shardDirs.length, unit: 'shards' });
    shards.push(await readValidationShard(dir));
  }
  options.onProgress?.({ stage: 'read shards', done: shards.length, total: shards.length, unit: 'shards' });

  const first = shards[0];
  const count = first.manifest.shard.count;
  const seen = new Map<number, string>();
  for (const s of shards) {
    const differs = requestDifferences(first.manifest, s.manifest);
    if (differs.length > 0) throw new Error(`${s.dir}: belongs to a different validation than ${first.dir} (${differs.join(', ')} differ)`);
    const { index, count: n } = s.manifest.shard;
    if (n !== count) throw new Error(`${s.dir}: is shard ${index}/${n}, but ${first.dir} is one of ${count}`);
    const twin = seen.get(index);
    if (twin !== undefined) throw new Error(`${s.dir}: shard ${index}/${n} given twice (also ${twin})`);
    seen.set(index, s.dir);
    const expected = plannedSamples(s.manifest.request.schedule, s.manifest.shard).indices;
    if (expected.join(',') !== s.manifest.samples.join(',')) {
      throw new Error(`${s.dir}: holds samples [${brief(s.manifest.samples)}], shard ${index}/${n} should hold [${brief(expected)}] (an incomplete or altered shard?)`);
    }
  }
  const missing = Array.from({ length: count }, (_, k) => k).filter((k) => !seen.has(k));
  if (missing.length > 0) {
    throw new Error(`shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} missing (given: ${shardDirs.join(', ')})`);
  }

  const request = first.manifest.request;
  const policies = request.policies as ValidationPolicy[];
  const outcomes = policies.map(() => new Map<number, SampleOutcome>());
  for (const s of shards) s.outcomes.forEach((list, p) => list.forEach((o) => outcomes[p].set(o.index, o)));
  const plan: ValidationPlan = {
    tracePath: request.trace.name,
    sha256: request.trace.sha256,
    schedule: request.schedule,
    sim: request.sim,
    policies,
    indices: scheduledSamples(request.schedule),
  };
  // Disjoint shards covering every shard index partition the schedule; this catches a schedule the planner no longer splits the same way.
  if (outcomes[0].size !== plan.indices.length) throw new Error(`the shards hold ${outcomes[0].size} samples, the schedule has ${plan.indices.length}`);
  throwIfAborted(options.signal);
  return writeValidationRun(outDir, validationOutputOf(plan, outcomes, { run: request.run, title: request.title }));
}

/** Which parts of two shards' requests (or tool versions) differ, by name. */
function requestDifferences(a: ValidationShardManifest, b: ValidationShardManifest): string[] {
  const out: string[] = [];
  if (stableJson(a.tool) !== stableJson(b.tool)) out.push(`tool version (${a.tool.version} vs ${b.tool.version})`);
  const keys = [...new Set([...Object.keys(a.request), ...Object.keys(b.request)])] as (keyof ShardRequest)[];
  for (const key of keys) {
    if (stableJson(a.request[key] ?? null) !== stableJson(b.request[key] ?? null)) out.push(key === 'trace' ? 'trace (name, sha256 or format)' : key);
  }
  return out;
}

function brief(indices: readonly number[]): string {
  return indices.length <= 8 ? indices.join(', ') : `${indices.slice(0, 4).join(', ')}, ... ${indices.at(-1)} (${indices.length})`;
}
