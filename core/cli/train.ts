import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { makeDir } from '../files/dirs.js';
import { assertModelOutDir } from '../model/folder.js';
import { readManifest } from '../model/io.js';
import { WAIT_MODEL_KIND, isWaitModelDir, readWaitModel } from '../model/wait-model.js';
import type { AnyWaitModel } from '../model/wait-model.js';
import { WAIT_RISK_KIND } from '../model/wait-risk.js';
import { isWaitModelKind } from '../train/wait.js';
import { trainWaitModelOnDataset } from '../train/wait.js';
import type { ModelManifest, TargetMode } from '../model/manifest.js';
import { TARGET_MODES, assertInputCompatible, targetModeOf } from '../model/manifest.js';
import type { BackendChoice } from '../model/backend-choice.js';
import { BACKEND_CHOICES } from '../model/backend-choice.js';
import { openDataset } from '../dataset/reader.js';
import { parseSimConfig } from '../sim/config.js';
import { prepareWorkload } from '../sim/chain.js';
import { formatClock, loadTraceFile } from '../trace/index.js';
import type { Preset, TrainOverrides } from '../train/config.js';
import { PRESETS } from '../train/config.js';
import { nativeStatus } from '../train/native.js';
import type { TrainEvent } from '../train/events.js';
// The training code (and TensorFlow.js with it) loads when a neural model trains, not for every command.
import type { trainPolicy } from '../train/policy.js';
import { clockArg, nonNegativeInt, outPath, positiveInt, positiveNumber, reportErrors } from './args.js';
import { progressReporter } from './progress.js';

interface TrainFlags {
  data?: string;
  out: string;
  model: 'transformer' | 'moe' | 'policy' | 'default' | typeof WAIT_MODEL_KIND | typeof WAIT_RISK_KIND;
  preset?: Preset;
  target?: TargetMode;
  epochs?: number;
  seed: number;
  backend: BackendChoice;
  threads?: number;
  resume?: boolean;
  json?: boolean;
  lr?: number;
  batchSize?: number;
  patience?: number;
  maxMinutes?: number;
  heldOutFraction?: number;
  dModel?: number;
  layers?: number;
  heads?: number;
  ff?: number;
  patchLen?: number;
  experts?: number;
  gateEpochs?: number;
  finetuneExperts?: boolean;
  // policy
  base?: string;
  trace?: string;
  from?: number;
  to?: number;
  updates?: number;
  episodes?: number;
  nodes?: number;
}

/** `mirage train` and `mirage model info`. */
export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description(
      'train a model on a dataset folder and save it (TensorFlow.js model.json + weights, mirage-model.json).\n' +
        'transformer: the reference regressor (--preset paper: d 512, 1 layer, 1 head, ff 128, raw inputs, lr 1e-5);\n' +
        'moe: experts on slices of the data + a softmax gate; default: our measured best regressor;\n' +
        'policy: a {wait, submit} head over a trained regressor (--base), trained with REINFORCE in the simulator (--trace).\n' +
        'Checkpoints after every epoch; --resume continues an interrupted run to the same result.',
    )
    .option('--data <dir>', 'dataset folder (`mirage dataset generate`); for policy: where the episode range and simulator settings come from')
    .requiredOption('--out <dir>', 'model folder to write (checkpoints go to its checkpoints/ folder)', outPath)
    .addOption(
      new Option(
        '--model <kind>',
        `model kind (${WAIT_RISK_KIND}: logistic models of the chance that submitting now still interrupts, what \`mirage run\` uses by default; ${WAIT_MODEL_KIND}: ridge regression of the successor's queue wait; neither has neural settings)`,
      )
        .choices(['transformer', 'moe', 'policy', 'default', WAIT_RISK_KIND, WAIT_MODEL_KIND])
        .default('default'),
    )
    .addOption(new Option('--preset <name>', "the reference's sizes and settings").choices([...PRESETS]))
    .addOption(
      new Option(
        '--target <mode>',
        "default, transformer, moe: what the network predicts (reward: the reward in hours; wait-risk: P(successor wait > tau) for each wait threshold, read by a risk rule at the time left)",
      ).choices([...TARGET_MODES]),
    )
    .option('--epochs <n>', 'epochs (moe: per expert)', positiveInt)
    .option('--seed <n>', 'seed of initialisation, shuffles, dropout, episodes', nonNegativeInt, 0)
    .addOption(new Option('--backend <name>', 'TensorFlow.js back end').choices([...BACKEND_CHOICES]).default('auto'))
    .option('--threads <n>', 'threads a training step uses on the cpu and wasm back ends: the native step\'s BLAS threads, else data-parallel tfjs workers (default 1)', positiveInt)
    .option('--resume', 'continue from the last checkpoint in --out (same options required)')
    .option('--json', 'training events as JSON lines on stdout')
    .option('--lr <rate>', 'learning rate', positiveNumber)
    .option('--batch-size <n>', 'mini-batch size', positiveInt)
    .option('--patience <n>', 'stop after n epochs without a better held-out loss', positiveInt)
    .option('--max-minutes <m>', 'wall-clock budget per training phase', positiveNumber)
    .option('--held-out-fraction <f>', 'last fraction of the samples (by time) held out of the fit (core/dataset/split.ts)', fraction)
    .option('--d-model <n>', 'transformer width', positiveInt)
    .option('--layers <n>', 'encoder layers', nonNegativeInt)
    .option('--heads <n>', 'attention heads', positiveInt)
    .option('--ff <n>', 'feed-forward width', positiveInt)
    .option('--patch-len <n>', 'snapshots per transformer token (1: one token per snapshot, as the reference)', positiveInt)
    .option('--experts <n>', 'moe: number of experts', positiveInt)
    .option('--gate-epochs <n>', 'moe: epochs of the gate', positiveInt)
    .option('--finetune-experts', 'moe: train the experts with the gate (the reference does); default: frozen, except with --preset paper')
    .option('--base <dir>', 'policy: the trained regressor (moe or single network) whose outputs the policy reads')
    .option('--trace <file>', 'policy: the job trace the episodes replay')
    .option('--from <time>', 'policy: earliest episode start (default: the dataset schedule start)', clockArg(1_667_260_800))
    .option('--to <time>', 'policy: latest episode start (default: the dataset schedule end)', clockArg(1_667_260_800))
    .option('--updates <n>', 'policy: policy-gradient updates (reference 60)', positiveInt)
    .option('--episodes <n>', 'policy: episodes per update (reference 32)', positiveInt)
    .option('--nodes <n>', 'policy without --data: nodes of the simulated cluster', positiveInt)
    .action((flags: TrainFlags) => reportErrors('train', () => runTrain(flags)));

  program
    .command('model')
    .description('inspect trained models')
    .command('info')
    .description('what a model folder holds: kind, network, input (feature mode, normalisation), training data, metrics, back end')
    .argument('<dir>', 'model folder')
    .option('--json', 'the whole mirage-model.json')
    .action((dir: string, flags: { json?: boolean }) =>
      reportErrors('model info', async () => {
        if (await isWaitModelDir(dir)) {
          const wait = await readWaitModel(dir);
          process.stdout.write(flags.json ? JSON.stringify(wait, null, 2) + '\n' : formatWaitModelInfo(dir, wait));
          return;
        }
        const manifest = await readManifest(dir);
        process.stdout.write(flags.json ? JSON.stringify(manifest, null, 2) + '\n' : formatModelInfo(dir, manifest));
      }),
    );
}

async function runTrain(flags: TrainFlags): Promise<void> {
  const progress = progressReporter({ json: flags.json ? true : undefined });
  const abort = new AbortController();
  const stop = (): void => abort.abort(new DOMException('interrupted', 'AbortError'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const onEvent = (event: TrainEvent): void => {
    if (flags.json) {
      if (event.type !== 'step') process.stdout.write(JSON.stringify(event) + '\n');
      return;
    }
    const line = describeEvent(event);
    if (line) {
      progress.finish();
      process.stderr.write(line + '\n');
    }
  };
  try {
    assertModelOutDir(flags.out, flags.model.startsWith('wait-') ? 'wait' : 'network');
    await makeDir(flags.out);
    if (flags.target !== undefined && (isWaitModelKind(flags.model) || flags.model === 'policy')) {
      throw new Error(`--target is for the neural models (default, transformer, moe); --model ${flags.model} has none`);
    }
    if (flags.threads !== undefined && flags.threads > 1 && (isWaitModelKind(flags.model) || flags.model === 'policy')) {
      throw new Error(`--threads splits the steps of the neural regressors (default, transformer, moe); --model ${flags.model} trains on one thread`);
    }
    if (isWaitModelKind(flags.model)) {
      if (!flags.data) throw new Error('--data is required');
      const model = await trainWaitModelOnDataset(flags.data, flags.out, { kind: flags.model, heldOutFraction: flags.heldOutFraction ?? 0.2 });
      if (flags.json) process.stdout.write(JSON.stringify({ type: 'done', kind: model.kind, metrics: model.metrics }) + '\n');
      else process.stdout.write(formatWaitModelInfo(flags.out, model));
      return;
    }
    const { initBackend } = await import('../model/backend.js');
    const backend = await initBackend(flags.backend);
    if (!flags.json) process.stderr.write(`back end: ${backend.description}${backend.skipped.length ? ` (passed over: ${backend.skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ')})` : ''}\n`);
    const options = { signal: abort.signal, onProgress: flags.json ? undefined : progress.report, onEvent, stepEventIntervalMs: 500 };
    if (flags.model === 'policy') {
      await runPolicy(flags, options);
    } else {
      if (!flags.data) throw new Error('--data is required');
      const dataset = await openDataset(flags.data);
      if (dataset.manifest.config.policy.kind !== 'probes') {
        process.stderr.write(`note: ${flags.data} holds one '${dataset.manifest.config.policy.kind}' run per sample, not probe runs\n`);
      }
      const { datasetContentHash, trainingDataFromDataset } = await import('../train/dataset-data.js');
      const { trainModel } = await import('../train/train.js');
      const data = trainingDataFromDataset(dataset, await datasetContentHash(dataset));
      const result = await trainModel(
        data,
        { kind: flags.model, preset: flags.preset ?? null, seed: flags.seed, overrides: overridesOf(flags), outDir: flags.out, resume: flags.resume, backend: flags.backend, threads: flags.threads },
        options,
      );
      progress.finish();
      const m = result.manifest.metrics;
      if (!flags.json) {
        const scores =
          targetModeOf(result.manifest) === 'wait-risk'
            ? `wait-risk, held-out log loss ${fmt(m.heldOutLogLoss)}, Brier ${fmt(m.heldOutBrier)}`
            : `held-out MAE ${fmt(m.heldOutMaeHours)} h, RMSE ${fmt(m.heldOutRmseHours)} h`;
        console.log(`${flags.out}: ${flags.model} model, ${scores}, ${m.epochs} epochs in ${fmt(m.trainSeconds)} s (${fmt(m.samplesPerSec)} samples/s, ${result.backend.description})`);
      }
    }
  } catch (error) {
    progress.finish();
    if (abort.signal.aborted) throw new Error('interrupted; the last checkpoint is kept, continue with --resume', { cause: error });
    throw error;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function runPolicy(flags: TrainFlags, options: Parameters<typeof trainPolicy>[2]): Promise<void> {
  if (!flags.base) throw new Error('--model policy needs --base <model dir> (a trained moe, transformer or default model)');
  if (!flags.trace) throw new Error('--model policy needs --trace <file>: the episodes run in the simulator');
  const [{ chainEpisodeEnv, REFERENCE_EPISODES }, { REFERENCE_POLICY_CONFIG, trainPolicy }] = await Promise.all([import('../train/chain-env.js'), import('../train/policy.js')]);
  const baseManifest = await readManifest(flags.base);
  let fromSec = flags.from;
  let toSec = flags.to;
  let simInput = parseSimConfig(flags.nodes ? { nodes: flags.nodes } : {});
  let episodes: { warmupDays: number; workloadDays: number; jobNodes: number; everyMinutes: number } = { ...REFERENCE_EPISODES };
  let format: 'auto' | 'mirage' | 'sacct' | 'swf' = 'auto';
  if (flags.data) {
    const dataset = await openDataset(flags.data);
    const { schedule, sim, trace } = dataset.manifest.config;
    assertInputCompatible(baseManifest, { featureMode: dataset.manifest.config.featureMode, featureNames: dataset.manifest.featureNames }, flags.base);
    fromSec ??= schedule.startSec;
    toSec ??= schedule.startSec + Math.round(schedule.samples * schedule.intervalHours * 3600);
    simInput = sim;
    episodes = { ...episodes, warmupDays: schedule.warmupDays, workloadDays: schedule.workloadDays, jobNodes: schedule.jobNodes };
    format = trace.format;
  }
  if (fromSec === undefined || toSec === undefined) throw new Error('--model policy needs --data, or --from and --to, for the range of episode starts');
  if (baseManifest.input.featureMode !== 'decision') {
    process.stderr.write(`note: ${flags.base} was trained on '${baseManifest.input.featureMode}' features; the agent sees decision-time windows\n`);
  }
  const trace = await loadTraceFile(flags.trace, { format });
  const workload = prepareWorkload(trace.jobs, simInput);
  const paper = flags.preset === 'paper';
  const config = {
    ...REFERENCE_POLICY_CONFIG,
    baseline: paper ? ('reference' as const) : ('batch' as const),
    seed: flags.seed,
    updates: flags.updates ?? REFERENCE_POLICY_CONFIG.updates,
    episodesPerUpdate: flags.episodes ?? REFERENCE_POLICY_CONFIG.episodesPerUpdate,
    learningRate: flags.lr ?? REFERENCE_POLICY_CONFIG.learningRate,
  };
  const result = await trainPolicy(
    () => chainEpisodeEnv(workload, { fromSec: fromSec!, toSec: toSec!, ...episodes }),
    {
      baseDir: flags.base,
      outDir: flags.out,
      config,
      resume: flags.resume,
      backend: flags.backend,
      environment: `${trace.sha256.slice(0, 12)} ${formatClock(fromSec)}..${formatClock(toSec)}`,
    },
    options,
  );
  if (!flags.json) {
    const m = result.manifest.metrics;
    console.log(`${flags.out}: policy over ${baseManifest.kind}, ${m.updates} updates, mean |reward| of the last update ${fmt(m.lastMeanAbsRewardHours)} h, ${fmt(m.trainSeconds)} s`);
  }
}

function overridesOf(flags: TrainFlags): TrainOverrides {
  const o: TrainOverrides = {};
  if (flags.epochs !== undefined) o.epochs = flags.epochs;
  if (flags.lr !== undefined) o.learningRate = flags.lr;
  if (flags.batchSize !== undefined) o.batchSize = flags.batchSize;
  if (flags.patience !== undefined) o.patience = flags.patience;
  if (flags.maxMinutes !== undefined) o.maxSeconds = flags.maxMinutes * 60;
  if (flags.heldOutFraction !== undefined) o.heldOutFraction = flags.heldOutFraction;
  if (flags.dModel !== undefined) o.dModel = flags.dModel;
  if (flags.layers !== undefined) o.layers = flags.layers;
  if (flags.heads !== undefined) o.heads = flags.heads;
  if (flags.ff !== undefined) o.ffDim = flags.ff;
  if (flags.patchLen !== undefined) o.patchLen = flags.patchLen;
  if (flags.experts !== undefined) o.experts = flags.experts;
  if (flags.gateEpochs !== undefined) o.gateEpochs = flags.gateEpochs;
  if (flags.finetuneExperts) o.finetuneExperts = true;
  if (flags.target !== undefined) o.target = flags.target;
  return o;
}

function describeEvent(e: TrainEvent): string | undefined {
  switch (e.type) {
    case 'start':
      return `${e.phase}: ${e.modelKind}, ${e.parameters} parameters (${e.trainableParameters} trained), ${e.trainRows} training rows, ${e.heldOutRows} held-out rows` +
        (e.native ? `, ${nativeStatus().detail}` : '') +
        (e.resumedFromEpoch > 0 ? `, resuming after epoch ${e.resumedFromEpoch}` : '');
    case 'epoch':
      // A wait-risk network has no MAE in hours (its targets are 0/1 labels): its loss says it all.
      return `${e.phase} epoch ${e.epoch}/${e.epochs}: loss ${fmt(e.trainLoss)}, held-out loss ${fmt(e.heldOutLoss)}${e.heldOutMaeHours === null ? '' : `, MAE ${fmt(e.heldOutMaeHours)} h`}${e.best ? ' *' : ''} ` +
        `(${fmt(e.samplesPerSec)} samples/s, ${Math.ceil(e.etaSec)} s left)`;
    case 'early-stop':
      return `${e.phase}: stopped after epoch ${e.epoch} (${e.reason}); best epoch ${e.bestEpoch}`;
    case 'phase':
      return `-- ${e.description}`;
    case 'update':
      return `policy update ${e.update}/${e.updates}: mean return ${fmt(e.meanReturn)}, mean |reward| ${fmt(e.meanAbsRewardHours)} h, entropy ${fmt(e.entropy)}`;
    default:
      return undefined;
  }
}

export function formatModelInfo(dir: string, m: ModelManifest): string {
  const net = m.network;
  const describeNet = (): string => {
    switch (net.type) {
      case 'transformer':
        return `transformer: ${net.seqLen / net.patchLen} tokens of ${net.patchLen} snapshot(s), d ${net.dModel}, ${net.layers} layer(s), ${net.heads} head(s), ff ${net.ffDim}, ${net.head} head`;
      case 'mlp':
        return `mlp over the last ${net.lastSteps} snapshots: ${net.hidden.join('-')}`;
      case 'moe':
        return `mixture of ${net.experts.length} experts (${net.experts[0].type}), gate ${net.seqLen * net.inFeatures}-${net.gateHidden}-${net.experts.length}`;
      case 'policy':
        return `policy head over ${net.base.type === 'moe' ? `${net.base.experts.length} experts` : `one ${net.base.type}`}`;
    }
  };
  const lines = [
    `model       ${dir}`,
    `kind        ${m.kind}   (${m.tool.name} ${m.tool.version}, schema ${m.schemaVersion})`,
    `network     ${describeNet()}`,
    `parameters  ${m.metrics.parameters ?? '?'}`,
    `input       ${m.input.featureMode} features, ${m.input.seqLen} x ${m.input.featureNames.length}, normalisation ${m.input.normalization.transform === 'log1p' ? 'log1p + standardise' : m.input.normalization.mean.every((v) => v === 0) ? 'none (raw)' : 'standardise'}`,
    m.target.thresholdsHours
      ? `output      P(successor wait > tau) for tau in [${m.target.thresholdsHours.join(', ')}] h (wait-risk; read at the time left)`
      : `output      hours = y * ${fmt(m.target.scale.std)} + ${fmt(m.target.scale.mean)}`,
    m.dataset
      ? `data        ${m.dataset.rows} rows from ${m.dataset.samples} samples (${m.dataset.trainRows} train, ${m.dataset.heldOutRows} held out), hash ${m.dataset.hash.slice(0, 16)}`
      : 'data        (none recorded)',
    `training    ${Object.entries(m.hyperParameters).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `metrics     ${Object.entries(m.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`,
    `back end    ${m.backend}`,
  ];
  return lines.join('\n') + '\n';
}

export function formatWaitModelInfo(dir: string, m: AnyWaitModel): string {
  const risk = m.kind === WAIT_RISK_KIND;
  const heldOut = m.dataset.heldOutRows;
  return [
    `model       ${dir}`,
    `kind        ${m.kind}   (schema ${m.schemaVersion})`,
    risk
      ? `network     ${m.thresholdsHours.length} logistic regressions (penalty ${m.ridgeLambda}), one per wait threshold, on ${m.features.length} snapshot features`
      : `network     ridge regression (penalty ${m.ridgeLambda}) of the successor's queue wait on ${m.features.length} snapshot features`,
    `output      ${m.kind === WAIT_RISK_KIND ? m.target.meaning : `${m.target.toReward} (hours)`}`,
    `input       ${m.input.featureMode} features, ${m.input.seqLen} x ${m.input.featureNames.length}, cluster of ${m.clusterNodes} nodes`,
    `data        ${m.dataset.rows} rows (${m.dataset.trainRows} fitted, ${heldOut} held out, ${m.dataset.skippedRows} skipped)`,
    `metrics     ${Object.entries(m.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`,
  ].join('\n') + '\n';
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Math.round(v * 1000) / 1000);
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('a number in [0, 1)');
  return n;
}
