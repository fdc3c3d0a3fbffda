import { join, resolve } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { writeFileAtomic } from '../files/atomic.js';
import { tradeoffOption } from '../charts/index.js';
import { checkTargets, formatEvaluationReport, hindsightShareOfReactive } from '../evaluate/report.js';
import { WAIT_CUTS_HOURS, estimateCheck } from '../evaluate/estimate.js';
import type { EstimateRow } from '../evaluate/estimate.js';
import { keptTrainingSamples } from '../pipeline/config.js';
import { makeDir } from '../files/dirs.js';
import { acquireLock, describeOwner } from '../files/lock.js';
import { loadPipelineConfig } from '../pipeline/presets.js';
import { outPath, reportErrors } from './args.js';
import { progressReporter } from './progress.js';
import { RUN_LOCK_FILE } from './run.js';

interface EvaluateFlags {
  config?: string;
  preset?: string;
  out?: string;
  learningCurve?: number[];
  estimateCheck?: boolean;
}

/** `mirage evaluate`: rolling-origin folds, model selection on them, the final test period, intervals. */
export function registerEvaluateCommands(program: Command): void {
  program
    .command('evaluate')
    .description(
      "rolling-origin evaluation of the experiment's policy: for each job size of the config's `evaluation` section, K folds before the test period (train on everything before each fold, calibrate on its held-out tail, validate on the fold), the model kind of smallest pooled cost over the folds, then the test period that no selection step saw; beside each run, the model's cost under the rule calibration would have chosen on that run's own samples (a bound, not a result). Writes OUT/evaluation.md (tables with 95 % block-bootstrap intervals, McNemar tests, the targets), evaluation.json and charts/.",
    )
    .option('--config <file>', 'experiment configuration (JSON) with an `evaluation` section; overlays --preset')
    .option('--preset <name>', 'a bundled configuration (e.g. paper-ls6)')
    .option('--out <dir>', 'output folder (default: runs/<config name>-evaluation)', outPath)
    .option(
      '--learning-curve <sizes>',
      'instead: the held-out cost of each wait-based model kind fitted on N training samples, for each N of the comma-separated list (training period only); writes OUT/learning-curve.md',
      sizeList,
    )
    .option(
      '--estimate-check',
      "instead: how well the scheduler's start estimate (what wait-risk reads) and queue statistics rank the successor's wait on the training period (Spearman, ROC AUC); writes OUT/estimate-check.md",
    )
    .action((flags: EvaluateFlags) =>
      reportErrors('evaluate', () => {
        if (flags.learningCurve && flags.estimateCheck) throw new Error('--learning-curve and --estimate-check: choose one');
        if (flags.learningCurve) return learningCurveCommand(flags, flags.learningCurve);
        return flags.estimateCheck ? estimateCheckCommand(flags) : evaluateCommand(flags);
      }),
    );
}

async function evaluateCommand(flags: EvaluateFlags): Promise<void> {
  const loaded = loadPipelineConfig({ configPath: flags.config, preset: flags.preset });
  const outDir = resolve(flags.out ?? `runs/${loaded.config.name}-evaluation`);
  await makeDir(outDir);
  const lock = await acquireLock(join(outDir, RUN_LOCK_FILE), {
    what: 'mirage evaluate',
    refusal: (owner) => `${outDir} is in use by ${describeOwner(owner)}; wait for it to finish, or choose another --out`,
  });
  const progress = progressReporter({});
  const abort = new AbortController();
  const stop = (): void => abort.abort(new DOMException('interrupted', 'AbortError'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    // The pipeline, TensorFlow.js and the chart renderer load when an evaluation starts, not for every command.
    const [{ EVALUATION_REPORT, runEvaluation }, { renderChartSvg }] = await Promise.all([import('../evaluate/run.js'), import('../validate/svg.js')]);
    const summary = await runEvaluation(loaded.config, {
      outDir,
      tracePath: loaded.tracePath,
      signal: abort.signal,
      onProgress: progress.report,
      onLine: (line) => {
        progress.finish();
        process.stderr.write(`${line}\n`);
      },
    });
    progress.finish();
    const chartFiles: Record<number, string> = {};
    await makeDir(join(outDir, 'charts'));
    for (const run of summary.runs.filter((r) => r.period.part === 'test' && r.tradeoff)) {
      const file = `charts/tradeoff-${run.jobNodes}-node-test.svg`;
      await writeFileAtomic(join(outDir, file), renderChartSvg(tradeoffOption(run.tradeoff!, { title: `${run.jobNodes}-node jobs, test period: interruption against overlap` })));
      chartFiles[run.jobNodes] = file;
    }
    await writeFileAtomic(join(outDir, EVALUATION_REPORT), formatEvaluationReport(summary, chartFiles));
    const all = summary.pooled.find((p) => p.jobNodes === 'all' && p.part === 'folds + test')!;
    const lines = checkTargets(all.comparison).map((t) => `${t.met ? 'met    ' : 'not met'}  ${t.target}: ${t.value}`);
    const share = hindsightShareOfReactive(all);
    if (share !== null) lines.push(`(with each period's rule in hindsight, a bound and not a result: ${(share * 100).toFixed(1)} % of reactive's cost)`);
    process.stdout.write(`chosen model: ${summary.selection.chosen}\n${lines.join('\n')}\n\n${join(outDir, EVALUATION_REPORT)}\n`);
  } catch (error) {
    progress.finish();
    if (abort.signal.aborted) throw new Error('interrupted; run the same command again to continue (finished stages are reused)', { cause: error });
    throw error;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await lock.release();
  }
}

function sizeList(value: string): number[] {
  const sizes = value.split(',').map((v) => Number(v.trim()));
  if (sizes.length === 0 || sizes.length > 12 || sizes.some((n) => !Number.isInteger(n) || n < 10 || n > 100_000)) {
    throw new InvalidArgumentError('a comma-separated list of 1 to 12 whole numbers of samples, each 10 to 100000');
  }
  return sizes;
}

async function estimateCheckCommand(flags: EvaluateFlags): Promise<void> {
  const loaded = loadPipelineConfig({ configPath: flags.config, preset: flags.preset });
  const outDir = resolve(flags.out ?? `runs/${loaded.config.name}-estimate-check`);
  await makeDir(outDir);
  const progress = progressReporter({});
  const rows: EstimateRow[] = [];
  const workDir = await mkdtemp(join(tmpdir(), 'mirage-estimate-'));
  try {
    for (const jobNodes of loaded.config.evaluation.jobNodes) {
      const config = { ...loaded.config, chain: { ...loaded.config.chain, jobNodes } };
      rows.push(...(await estimateCheck(config, { tracePath: loaded.tracePath, workDir, onProgress: progress.report })));
      progress.finish();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const text = [
    "# The scheduler's start estimate against queue statistics",
    '',
    `Training period only (${keptTrainingSamples(loaded.config)} samples from ${loaded.config.dataset.start}, ${loaded.config.dataset.probes} submit times each). Each row ranks the wait of a successor submitted at a probe time by one signal.`,
    "Spearman's rho over the busy rows (the successor waited, or the estimate said it would); ROC AUC of \"waits longer than h\" over every row.",
    '',
    `| job nodes | signal | rows | busy rows | Spearman (busy) | ${WAIT_CUTS_HOURS.map((h) => `AUC > ${h} h`).join(' | ')} |`,
    `|--:|---|--:|--:|--:|${WAIT_CUTS_HOURS.map(() => '--:').join('|')}|`,
    ...rows.map((r) => `| ${r.jobNodes} | ${r.signal} | ${r.rows} | ${r.busyRows} | ${r.spearmanBusy.toFixed(3)} | ${r.auc.map((a) => a.toFixed(3)).join(' | ')} |`),
    '',
  ].join('\n');
  await writeFileAtomic(join(outDir, 'estimate-check.md'), text);
  process.stdout.write(text + `\n${join(outDir, 'estimate-check.md')}\n`);
}

async function learningCurveCommand(flags: EvaluateFlags, sizes: number[]): Promise<void> {
  const loaded = loadPipelineConfig({ configPath: flags.config, preset: flags.preset });
  const outDir = resolve(flags.out ?? `runs/${loaded.config.name}-learning-curve`);
  await makeDir(outDir);
  const progress = progressReporter({});
  const heldOutSamples = Math.max(10, Math.round(keptTrainingSamples(loaded.config) * loaded.config.training.heldOutFraction));
  const rows: string[] = [];
  const all: unknown[] = [];
  const { learningCurve, learningWorkDir } = await import('../evaluate/learning.js');
  for (const jobNodes of loaded.config.evaluation.jobNodes) {
    const config = { ...loaded.config, chain: { ...loaded.config.chain, jobNodes } };
    const workDir = await learningWorkDir();
    try {
      const points = await learningCurve(config, { tracePath: loaded.tracePath, sizes, heldOutSamples, workDir, onProgress: progress.report });
      progress.finish();
      all.push({ jobNodes, points });
      for (const p of points) rows.push(`| ${jobNodes} | ${p.model} | ${p.fitSamples} | ${p.heldOutSamples} | ${p.meanCostHours.toFixed(3)} | ${p.reactiveCostHours.toFixed(3)} | ${((p.meanCostHours / p.reactiveCostHours) * 100).toFixed(1)} % |`);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  const text = [
    '# Learning curve',
    '',
    `Each wait-based model kind fitted on the N training samples that end one replay length before a fixed held-out tail (the last ${heldOutSamples} training samples);`,
    'its submit rule calibrated on that tail as `mirage run` does; the score is the chosen rule\'s mean cost there (the same samples pick the rule, so it is optimistic for every N alike).',
    '',
    '| job nodes | model kind | fit samples | held-out samples | mean cost (h) | reactive (h) | model / reactive |',
    '|--:|---|--:|--:|--:|--:|--:|',
    ...rows,
    '',
  ].join('\n');
  await writeFileAtomic(join(outDir, 'learning-curve.md'), text);
  await writeFileAtomic(join(outDir, 'learning-curve.json'), JSON.stringify(all, null, 1) + '\n');
  process.stdout.write(text + `\n${join(outDir, 'learning-curve.md')}\n`);
}
