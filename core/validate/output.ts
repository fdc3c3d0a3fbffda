import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { TOOL_VERSION } from '../version.js';
import { formatReport } from './report.js';
import { formatRewardLog } from './reward-log.js';
import type { RewardLogRow } from './reward-log.js';
import { formatRewardsCsv, parseRewardsCsv } from './rewards-csv.js';
import { reportCharts } from './svg.js';
import { summarizeRecords, summarySchema } from './summary.js';
import type { SampleReward, ValidationSummary } from './summary.js';

/** The files of a validation run folder. */
export const RUN_FILES = {
  rewardLog: 'reward.log',
  rewardsCsv: 'rewards.csv',
  summary: 'summary.json',
  report: 'report.md',
  charts: 'charts',
} as const;

export interface ValidationOutput {
  /** The policy under test: its rows go to reward.log. */
  rewardLog: readonly RewardLogRow[];
  /** Every policy's rewards, the baselines included. */
  records: readonly SampleReward[];
  /** Settings of the run, echoed into summary.json and report.md. */
  run: Record<string, unknown>;
  title?: string;
}

/**
 * Writes reward.log, rewards.csv, summary.json, report.md and charts/*.svg
 * into `dir` (each file atomically). The summary is computed from the records
 * exactly as a reader of rewards.csv would recompute it.
 */
export async function writeValidationRun(dir: string, output: ValidationOutput): Promise<ValidationSummary> {
  await mkdir(join(dir, RUN_FILES.charts), { recursive: true });
  const summary = summarizeRecords(output.records, { version: TOOL_VERSION, run: output.run });
  const charts = reportCharts(output.records, summary);
  await writeFileAtomic(join(dir, RUN_FILES.rewardLog), formatRewardLog(output.rewardLog));
  await writeFileAtomic(join(dir, RUN_FILES.rewardsCsv), formatRewardsCsv(output.records));
  await writeFileAtomic(join(dir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + '\n');
  for (const c of charts) await writeFileAtomic(join(dir, RUN_FILES.charts, c.file), c.svg);
  await writeFileAtomic(join(dir, RUN_FILES.report), formatReport(summary, { title: output.title }));
  return summary;
}

/** Reads a run folder's summary.json (validated). */
export async function readValidationSummary(dir: string): Promise<ValidationSummary> {
  const path = join(dir, RUN_FILES.summary);
  const parsed = summarySchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: not a validation summary: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** Reads a run folder's rewards.csv. */
export async function readValidationRecords(dir: string): Promise<SampleReward[]> {
  const path = join(dir, RUN_FILES.rewardsCsv);
  return parseRewardsCsv(await readFile(path, 'utf8'), path);
}
