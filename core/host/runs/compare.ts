import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompareData, ComparePolicy } from '../../api/experiment.js';
import { ServiceError } from '../../api/errors.js';
import { parseRewardsCsv } from '../../validate/rewards-csv.js';
import { BASELINE_KINDS } from '../../validate/policies.js';
import { summarizeRecords } from '../../validate/summary.js';
import type { SampleReward } from '../../validate/summary.js';
import { TOOL_VERSION } from '../../version.js';
import { COMPARISON_FILE, TRADEOFF_FILE, comparisonSentences } from '../../compare/compare.js';
import type { Comparison } from '../../compare/compare.js';

export interface CompareInput {
  id: string;
  name: string;
  /** The run folder holding rewards.csv. */
  dir: string;
}

const isBaseline = (policy: string): boolean => (BASELINE_KINDS as readonly string[]).includes(policy);

/** A run folder's rewards.csv (read here rather than through core/validate/output.js, which brings the SVG renderer). */
export async function readRunRecords(dir: string): Promise<SampleReward[]> {
  const path = join(dir, 'rewards.csv');
  return parseRewardsCsv(await readFile(path, 'utf8'), path);
}

/**
 * Runs side by side: each run's model, plus the baselines of the first run,
 * summarised together by core/validate's summarizeRecords (the numbers of
 * the CLI's summary.json). A run validated on other samples than the first
 * cannot share its load levels: it is left out with a note.
 */
export async function compareRuns(runs: readonly CompareInput[]): Promise<CompareData> {
  if (runs.length === 0) throw new ServiceError('invalid-request', 'pick at least one run');
  const loaded: { run: CompareInput; records: SampleReward[] }[] = [];
  for (const run of runs) {
    let records: SampleReward[];
    try {
      records = await readRunRecords(run.dir);
    } catch {
      throw new ServiceError('not-found', `run ${run.id} has no validation results yet (rewards.csv)`);
    }
    loaded.push({ run, records });
  }

  const samplesOf = (records: readonly SampleReward[]): string =>
    records
      .filter((r) => r.policy === 'reactive')
      .map((r) => `${r.index}@${r.sampleStartSec}`)
      .sort()
      .join(',');
  const reference = samplesOf(loaded[0].records);
  const notes: string[] = [];
  const kept = loaded.filter(({ run, records }, i) => {
    if (i === 0 || samplesOf(records) === reference) return true;
    notes.push(`${run.name} (${run.id}) was validated on other samples than ${loaded[0].run.name}: open it alone to compare it with its own baselines.`);
    return false;
  });

  // A model is named by its policy when it is alone, by policy and run otherwise (names stay unique).
  const labels = new Map<string, { runId: string; runPolicy: string }>();
  const renamed: SampleReward[] = [];
  const runsOut: CompareData['runs'] = [];
  for (const { run, records } of kept) {
    const models = [...new Set(records.map((r) => r.policy).filter((p) => !isBaseline(p)))];
    for (const policy of models) {
      let label = kept.length === 1 ? policy : `${policy} (${run.name})`;
      if (labels.has(label)) label = `${policy} (${run.id})`;
      labels.set(label, { runId: run.id, runPolicy: policy });
      for (const r of records) if (r.policy === policy) renamed.push({ ...r, policy: label });
    }
    runsOut.push({ id: run.id, name: run.name, modelPolicy: models[0] ?? '' });
  }
  const first = kept[0];
  for (const kind of BASELINE_KINDS) {
    const rows = first.records.filter((r) => r.policy === kind);
    if (rows.length === 0) continue;
    labels.set(kind, { runId: first.run.id, runPolicy: kind });
    renamed.push(...rows);
  }

  const summary = summarizeRecords(renamed, { version: TOOL_VERSION });
  const policies: ComparePolicy[] = summary.policies.map((p) => ({ ...p, ...labels.get(p.policy)!, isBaseline: isBaseline(p.policy) }));
  return {
    runs: runsOut,
    policies,
    loadLevelCounts: summary.loadLevelCounts,
    records: renamed.map((r) => ({
      policy: r.policy,
      index: r.index,
      sampleStartSec: r.sampleStartSec,
      submitSec: r.submitSec,
      succStartSec: r.succStartSec,
      rewardSeconds: r.rewardSeconds,
    })),
    notes,
    evidence: await evidenceOf(kept[0].run.dir),
  };
}

/** A run folder's comparison.json and tradeoff.json (written by `mirage run`), as the compare page shows them. */
async function evidenceOf(dir: string): Promise<NonNullable<CompareData['evidence']>> {
  const json = (file: string): Promise<unknown> => readFile(join(dir, file), 'utf8').then((t) => JSON.parse(t) as unknown, () => null);
  const comparison = (await json(COMPARISON_FILE)) as Comparison | null;
  return { sentences: comparison ? comparisonSentences(comparison) : [], tradeoff: await json(TRADEOFF_FILE) };
}
