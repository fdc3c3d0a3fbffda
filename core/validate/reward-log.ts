import { formatPythonFloat, formatPythonInt } from './pyfloat.js';

/**
 * reward.log, byte-compatible with the reference's `online_validate.py`:
 * a header rule, the CSV header, one line per sample in index order, and a
 * closing rule with no newline after it. Rewards are in hours; times print as
 * Python's `str(datetime)` (`YYYY-MM-DD HH:MM:SS`).
 */
export const REWARD_LOG_HEADER_RULE = `${'-'.repeat(42)}Reward Logs${'-'.repeat(49)}`;
export const REWARD_LOG_CLOSING_RULE = '-'.repeat(99);
export const REWARD_LOG_COLUMNS = 'pred_job_id,succ_job_id,expected_reward,actual_reward,reward_gen_time,index,backfill,submission';
/** The reference's "never backfilled" value of a job's backfill time. */
export const BACKFILL_SENTINEL = '2077-01-01 01:00:00';
export const PRED_JOB_ID = '1000000';
export const SUCC_JOB_ID = '1000001';

export interface RewardLogRow {
  predJobId: string;
  succJobId: string;
  /**
   * What the policy's inference returned at the decision that submitted the
   * successor: a regressor's predicted reward (hours), a policy model's action
   * (1 = submit), a rule baseline's wait estimate (hours).
   */
  expectedReward: number;
  /** The reference prints a policy model's sampled action as a Python int ("1"). */
  expectedRewardIsInt?: boolean;
  /** Successor start minus predecessor end, hours. */
  actualRewardHours: number;
  /** When the successor started (the reference's `reward_gen_time`). */
  succStartSec: number;
  index: number;
  /** When a backfill pass started the successor ahead of the queue head; null when it did not. */
  backfillSec: number | null;
  submitSec: number;
}

/** Python's `str(datetime)` of a whole-second clock value (cluster clock encoded as UTC). */
export function formatLogTime(sec: number): string {
  if (!Number.isInteger(sec)) throw new Error(`formatLogTime: ${sec} is not whole seconds`);
  return new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

const LOG_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export function parseLogTime(text: string): number {
  const m = LOG_TIME.exec(text);
  if (!m) throw new Error(`not a YYYY-MM-DD HH:MM:SS time: '${text}'`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(ms).getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw new Error(`not a valid time: '${text}'`);
  return ms / 1000;
}

export function formatRewardLogRow(row: RewardLogRow): string {
  const expected = row.expectedRewardIsInt ? formatPythonInt(row.expectedReward) : formatPythonFloat(row.expectedReward);
  return [
    row.predJobId,
    row.succJobId,
    expected,
    formatPythonFloat(row.actualRewardHours),
    formatLogTime(row.succStartSec),
    String(row.index),
    row.backfillSec === null ? BACKFILL_SENTINEL : formatLogTime(row.backfillSec),
    formatLogTime(row.submitSec),
  ].join(',');
}

/** The whole file; rows are written in index order whatever order they come in. */
export function formatRewardLog(rows: readonly RewardLogRow[]): string {
  const sorted = [...rows].sort((a, b) => a.index - b.index);
  const lines = [REWARD_LOG_HEADER_RULE, REWARD_LOG_COLUMNS, ...sorted.map(formatRewardLogRow)];
  return lines.join('\n') + '\n' + REWARD_LOG_CLOSING_RULE;
}

export interface ParsedRewardLog {
  rows: RewardLogRow[];
  /** Lines the reference writes as `None` (a sample that produced no reward). */
  noneLines: number[];
}

/**
 * Reads a reward.log the way the reference's plotting scripts do: skip the
 * header rule and CSV header, split each line on commas, stop at the closing
 * rule. `source` names the file in errors.
 */
export function parseRewardLog(text: string, source = 'reward.log'): ParsedRewardLog {
  const lines = text.split(/\r?\n/);
  const fail = (line: number, reason: string): never => {
    throw new Error(`${source}:${line}: ${reason}`);
  };
  if (lines[0] !== REWARD_LOG_HEADER_RULE) fail(1, 'expected the "Reward Logs" header rule');
  if (lines[1] !== REWARD_LOG_COLUMNS) fail(2, `expected the header '${REWARD_LOG_COLUMNS}'`);
  const rows: RewardLogRow[] = [];
  const noneLines: number[] = [];
  let closed = false;
  for (let i = 2; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i];
    if (closed) {
      if (line !== '') fail(lineNo, 'text after the closing rule');
      continue;
    }
    if (/^-+$/.test(line)) {
      closed = true;
      continue;
    }
    if (line === 'None') {
      noneLines.push(lineNo);
      continue;
    }
    const f = line.split(',');
    if (f.length !== 8) fail(lineNo, `expected 8 fields, found ${f.length}`);
    const num = (text: string, name: string): number => {
      const v = Number(text);
      if (text.trim() === '' || !Number.isFinite(v)) fail(lineNo, `${name} is not a number: '${text}'`);
      return v;
    };
    const time = (text: string, name: string): number => {
      try {
        return parseLogTime(text);
      } catch (e) {
        return fail(lineNo, `${name}: ${(e as Error).message}`);
      }
    };
    const index = num(f[5], 'index');
    if (!Number.isInteger(index) || index < 0) fail(lineNo, `index is not a sample index: '${f[5]}'`);
    rows.push({
      predJobId: f[0],
      succJobId: f[1],
      expectedReward: num(f[2], 'expected_reward'),
      expectedRewardIsInt: /^-?\d+$/.test(f[2]),
      actualRewardHours: num(f[3], 'actual_reward'),
      succStartSec: time(f[4], 'reward_gen_time'),
      index,
      backfillSec: f[6] === BACKFILL_SENTINEL ? null : time(f[6], 'backfill'),
      submitSec: time(f[7], 'submission'),
    });
  }
  if (!closed) fail(lines.length, 'missing the closing rule');
  return { rows, noneLines };
}
