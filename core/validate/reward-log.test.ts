import { describe, expect, it } from 'vitest';
import { BACKFILL_SENTINEL, formatRewardLog, parseRewardLog, REWARD_LOG_CLOSING_RULE, REWARD_LOG_HEADER_RULE } from './reward-log.js';
import type { RewardLogRow } from './reward-log.js';

const t = (iso: string): number => Date.parse(iso + 'Z') / 1000;

// Written the way the reference's online_validate.py writes it (f-string of the
// reward tuple, str(datetime), closing rule without a newline).
const REFERENCE_STYLE =
  '------------------------------------------Reward Logs-------------------------------------------------\n' +
  'pred_job_id,succ_job_id,expected_reward,actual_reward,reward_gen_time,index,backfill,submission\n' +
  '1000000,1000001,0.12345670163631439,-0.16666666666666666,2023-03-05 23:50:00,0,2077-01-01 01:00:00,2023-03-05 12:10:00\n' +
  '1000000,1000001,0.0,1.5,2023-03-06 05:30:00,1,2023-03-06 05:30:00,2023-03-06 04:00:00\n' +
  '1000000,1000001,1,0.0,2023-03-06 08:00:00,2,2077-01-01 01:00:00,2023-03-06 07:20:00\n' +
  '---------------------------------------------------------------------------------------------------';

describe('reward.log', () => {
  it('has the reference rules: 42 + "Reward Logs" + 49 dashes, then 99 dashes', () => {
    expect(REWARD_LOG_HEADER_RULE).toHaveLength(102);
    expect(REWARD_LOG_HEADER_RULE.indexOf('Reward Logs')).toBe(42);
    expect(REWARD_LOG_CLOSING_RULE).toBe('-'.repeat(99));
  });

  it('parses a reference-format file and reads every field', () => {
    const { rows, noneLines } = parseRewardLog(REFERENCE_STYLE);
    expect(noneLines).toEqual([]);
    expect(rows).toEqual<RewardLogRow[]>([
      {
        predJobId: '1000000',
        succJobId: '1000001',
        expectedReward: 0.12345670163631439,
        expectedRewardIsInt: false,
        actualRewardHours: -600 / 3600,
        succStartSec: t('2023-03-05T23:50:00'),
        index: 0,
        backfillSec: null,
        submitSec: t('2023-03-05T12:10:00'),
      },
      {
        predJobId: '1000000',
        succJobId: '1000001',
        expectedReward: 0,
        expectedRewardIsInt: false,
        actualRewardHours: 1.5,
        succStartSec: t('2023-03-06T05:30:00'),
        index: 1,
        backfillSec: t('2023-03-06T05:30:00'),
        submitSec: t('2023-03-06T04:00:00'),
      },
      {
        predJobId: '1000000',
        succJobId: '1000001',
        expectedReward: 1,
        expectedRewardIsInt: true,
        actualRewardHours: 0,
        succStartSec: t('2023-03-06T08:00:00'),
        index: 2,
        backfillSec: null,
        submitSec: t('2023-03-06T07:20:00'),
      },
    ]);
  });

  it('writes byte-for-byte what it parsed, rows in index order', () => {
    const { rows } = parseRewardLog(REFERENCE_STYLE);
    expect(formatRewardLog([rows[2], rows[0], rows[1]])).toBe(REFERENCE_STYLE);
  });

  it('accepts the reference\'s None lines and a trailing newline', () => {
    const text = REFERENCE_STYLE.replace('\n1000000,1000001,0.0', '\nNone\n1000000,1000001,0.0') + '\n';
    const parsed = parseRewardLog(text);
    expect(parsed.rows.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(parsed.noneLines).toEqual([4]);
  });

  it('names the line and the field of a bad row', () => {
    expect(() => parseRewardLog(REFERENCE_STYLE.replace('2023-03-06 04:00:00', '2023-03-06 4:00'), 'x.log')).toThrow(
      /x\.log:4: submission/,
    );
    expect(() => parseRewardLog(REFERENCE_STYLE.replace(',1.5,', ',abc,'))).toThrow(/reward\.log:4: actual_reward/);
    expect(() => parseRewardLog(REFERENCE_STYLE.replace(/\n-+$/, ''))).toThrow(/closing rule/);
    expect(() => parseRewardLog(REFERENCE_STYLE.replace('Reward Logs', 'Rewards'))).toThrow(/:1: /);
  });

  it('prints the backfill sentinel for a successor no backfill pass started', () => {
    const text = formatRewardLog([
      { predJobId: '1000000', succJobId: '1000001', expectedReward: 0, actualRewardHours: 0, succStartSec: 0, index: 0, backfillSec: null, submitSec: 0 },
    ]);
    expect(text.split('\n')[2]).toBe(`1000000,1000001,0.0,0.0,1970-01-01 00:00:00,0,${BACKFILL_SENTINEL},1970-01-01 00:00:00`);
  });
});
