import type { SampleReward } from './summary.js';

/**
 * rewards.csv: one row per (policy, sample), every policy of the run, the
 * baselines included, so any comparison can be recomputed from this file
 * alone. Times are the cluster clock as `YYYY-MM-DDTHH:MM:SS`; an empty
 * backfill / expected_reward means "none".
 */
export const REWARDS_CSV_COLUMNS = [
  'policy',
  'index',
  'sample_start',
  'submission',
  'succ_start',
  'reward_seconds',
  'reward_hours',
  'backfill',
  'expected_reward',
] as const;

function clock(sec: number): string {
  return new Date(sec * 1000).toISOString().slice(0, 19);
}

function parseClockField(text: string, where: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`${where}: not a YYYY-MM-DDTHH:MM:SS time: '${text}'`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** Policies in the order given, each by sample index. */
export function formatRewardsCsv(records: readonly SampleReward[]): string {
  const policyOrder = new Map<string, number>();
  for (const r of records) if (!policyOrder.has(r.policy)) policyOrder.set(r.policy, policyOrder.size);
  const sorted = [...records].sort((a, b) => policyOrder.get(a.policy)! - policyOrder.get(b.policy)! || a.index - b.index);
  const lines = [REWARDS_CSV_COLUMNS.join(',')];
  for (const r of sorted) {
    if (/[",\n]/.test(r.policy)) throw new Error(`rewards.csv: policy name '${r.policy}' may not contain commas, quotes or newlines`);
    lines.push(
      [
        r.policy,
        r.index,
        clock(r.sampleStartSec),
        clock(r.submitSec),
        clock(r.succStartSec),
        r.rewardSeconds,
        r.rewardSeconds / 3600,
        r.backfillSec === null ? '' : clock(r.backfillSec),
        r.expectedReward === null ? '' : r.expectedReward,
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export function parseRewardsCsv(text: string, source = 'rewards.csv'): SampleReward[] {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== REWARDS_CSV_COLUMNS.join(',')) throw new Error(`${source}:1: expected the header '${REWARDS_CSV_COLUMNS.join(',')}'`);
  const out: SampleReward[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const where = `${source}:${i + 1}`;
    const f = line.split(',');
    if (f.length !== REWARDS_CSV_COLUMNS.length) throw new Error(`${where}: expected ${REWARDS_CSV_COLUMNS.length} fields, found ${f.length}`);
    const int = (text: string, name: string): number => {
      const v = Number(text);
      if (text === '' || !Number.isInteger(v)) throw new Error(`${where}: ${name} is not an integer: '${text}'`);
      return v;
    };
    const expected = f[8] === '' ? null : Number(f[8]);
    if (expected !== null && !Number.isFinite(expected)) throw new Error(`${where}: expected_reward is not a number: '${f[8]}'`);
    if (f[0] === '') throw new Error(`${where}: empty policy`);
    out.push({
      policy: f[0],
      index: int(f[1], 'index'),
      sampleStartSec: parseClockField(f[2], `${where}: sample_start`),
      submitSec: parseClockField(f[3], `${where}: submission`),
      succStartSec: parseClockField(f[4], `${where}: succ_start`),
      rewardSeconds: int(f[5], 'reward_seconds'),
      backfillSec: f[7] === '' ? null : parseClockField(f[7], `${where}: backfill`),
      expectedReward: expected,
    });
  }
  return out;
}
