import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BACKEND_CHOICES } from '../model/backend-choice.js';
import { BACKEND_NAMES, mergeConfig, parsePipelineConfig, PipelineConfigSchema } from './config.js';
import { listPresets, loadPipelineConfig, readPreset } from './presets.js';
import { calibrationRules, traceRecord } from './run.js';

describe('pipeline config', () => {
  it('defaults reproduce the paper\'s LS6 experiment (with 25 probes a sample, chosen on the training-period folds)', () => {
    const c = parsePipelineConfig({});
    expect(c.chain).toEqual({ jobNodes: 1, intervalHours: 4, warmupDays: 2, workloadDays: 5 });
    expect(c.dataset).toMatchObject({ start: '2022-11-01T00:00:00', samples: 684, probes: 25 });
    expect(c.cost.overlapHoursPerInterruptionHour).toBe(1);
    expect(c.validation).toMatchObject({ start: '2023-03-01T00:00:00', samples: 156, submitIntervalHours: [-0.5, 500] });
    expect(c.sim.nodes).toBe(88);
    expect(c.trace.path).toBe('assets/traces/ls6-a100.log');
  });

  it('the paper-ls6 preset spells out the defaults', () => {
    const { description, ...paper } = parsePipelineConfig(readPreset('paper-ls6'));
    expect(description).toMatch(/Lonestar6/);
    expect(paper).toEqual(parsePipelineConfig({}));
    expect(listPresets()).toEqual(expect.arrayContaining(['paper-ls6', 'quick']));
  });

  it('takes the chain jobs\' limit for clusters with a shorter cap, and refuses a bad one', () => {
    const c = parsePipelineConfig({ chain: { jobMinutes: 720 } });
    expect(c.chain.jobMinutes).toBe(720);
    expect(parsePipelineConfig({}).chain.jobMinutes).toBeUndefined();
    expect(() => parsePipelineConfig({ chain: { jobMinutes: 0 } })).toThrow(/chain\.jobMinutes/);
  });

  it('errors name every bad field', () => {
    expect(() =>
      parsePipelineConfig({ validation: { samples: 'many', quantile: { q: 2 } }, chain: { jobNodes: 0 }, extra: true }, 'exp.json'),
    ).toThrow(
      [
        'exp.json: chain.jobNodes: Too small: expected number to be >=1',
        'exp.json: validation.samples: Invalid input: expected number, received string',
        'exp.json: validation.quantile.q: Too big: expected number to be <1',
        'exp.json: extra: unknown field',
      ].join('\n'),
    );
    expect(() => parsePipelineConfig({ dataset: { start: '2022-11-01' } })).toThrow(/dataset\.start: expected YYYY-MM-DDTHH:MM:SS/);
  });

  it('migrates configs of earlier versions: the held-out fraction\'s old name, the calibration objective', () => {
    const c = parsePipelineConfig({ training: { validationFraction: 0.25 }, validation: { calibrate: { objective: 'beat-baselines' } } });
    expect(c.training.heldOutFraction).toBe(0.25);
    expect(c.validation.calibrate).not.toHaveProperty('objective');
  });

  it('offers the back ends the model code knows (the list is repeated to keep the schema free of Node)', () => {
    expect([...BACKEND_NAMES]).toEqual([...BACKEND_CHOICES]);
  });

  it('every field, at every depth, carries a description for the GUI form', () => {
    interface Node {
      description?: string;
      properties?: Record<string, Node>;
    }
    const missing: string[] = [];
    const walk = (node: Node, path: string): void => {
      for (const [k, v] of Object.entries(node.properties ?? {})) {
        if (!v.description) missing.push(`${path}${k}`);
        walk(v, `${path}${k}.`);
      }
    };
    const schema = z.toJSONSchema(PipelineConfigSchema, { io: 'input' }) as Node;
    walk(schema, '');
    expect(missing).toEqual([]);
    expect(Object.keys(schema.properties!.validation.properties!.calibrate.properties!)).toEqual(['enabled', 'lowHours', 'thresholds', 'confirmations', 'maxLeadHours']);
  });

  it('a config file overlays the preset; relative trace paths start at the config file', () => {
    expect(mergeConfig({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] }, d: 1 })).toEqual({ a: { b: 1, c: [3] }, d: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'mirage-config-'));
    writeFileSync(join(dir, 'exp.json'), JSON.stringify({ validation: { samples: 3 }, trace: { path: 'my.log' } }));
    const loaded = loadPipelineConfig({ preset: 'quick', configPath: join(dir, 'exp.json') });
    expect(loaded.config.name).toBe('quick');
    expect(loaded.config.validation.samples).toBe(3);
    expect(loaded.tracePath).toBe(join(dir, 'my.log'));
    // The bundled trace is found from anywhere.
    const bundled = loadPipelineConfig({ preset: 'quick', cwd: dir });
    expect(bundled.tracePath).toMatch(/assets[\\/]traces[\\/]ls6-a100\.log$/);
    expect(() => loadPipelineConfig({ preset: 'nope' })).toThrow(/unknown preset 'nope'/);
  });

  it('offers wait-risk one decision and no hour cap, since it holds back by the start estimate; other models confirmations and caps; a config may ask for them', () => {
    const rules = (config: Parameters<typeof parsePipelineConfig>[0]) => calibrationRules(parsePipelineConfig(config)).candidates;
    const caps = (config: Parameters<typeof parsePipelineConfig>[0]) => [...new Set(rules(config).map((r) => r.maxLeadHours ?? null))];
    const confirmations = (config: Parameters<typeof parsePipelineConfig>[0]) => [...new Set(rules(config).map((r) => r.confirmations))];
    // wait-risk: the 10 thresholds alone.
    expect(rules({})).toHaveLength(10);
    expect(caps({})).toEqual([null]);
    expect(confirmations({})).toEqual([1]);
    for (const training of [{ model: 'wait-linear' as const }, { model: 'default' as const, target: 'wait-risk' as const }]) {
      expect(caps({ training })).toEqual([1, 2, 4, 8, null]);
      expect(confirmations({ training })).toEqual([1, 2, 3, 6, 12]);
    }
    expect(caps({ validation: { calibrate: { maxLeadHours: [2, null] } } })).toEqual([2, null]);
    // wait-risk's caps of 8, 4, 2 and 1 h are offered only where no uncapped rule does no harm (chooseRule); not when the config names caps.
    const capped = (config: Parameters<typeof parsePipelineConfig>[0]) => calibrationRules(parsePipelineConfig(config)).capped;
    expect(capped({})).toHaveLength(40);
    expect([...new Set(capped({}).map((r) => r.maxLeadHours))]).toEqual([8, 4, 2, 1]);
    expect(capped({ training: { model: 'wait-linear' } })).toEqual([]);
    expect(capped({ validation: { calibrate: { maxLeadHours: [null] } } })).toEqual([]);
    expect(confirmations({ validation: { calibrate: { confirmations: [1, 3] } } })).toEqual([1, 3]);
  });

  it('the wait models refuse neural settings instead of ignoring them', () => {
    expect(parsePipelineConfig({}).training.model).toBe('wait-risk');
    expect(() => parsePipelineConfig({ training: { epochs: 5 } }, 'exp.json')).toThrow("exp.json: training.epochs: only for the neural models (default, transformer, moe, and a policy's base); training.model 'wait-risk' has no epochs");
    expect(() => parsePipelineConfig({ training: { model: 'wait-linear', epochs: 5 } }, 'exp.json')).toThrow("training.model 'wait-linear' has no epochs");
    expect(parsePipelineConfig({ training: { model: 'default', epochs: 5 } }).training.epochs).toBe(5);
  });

  it('the policy model takes a base and bounded REINFORCE sizes; the other models refuse them', () => {
    const policy = parsePipelineConfig({ training: { model: 'policy', policyBase: 'moe', policyUpdates: 10, policyEpisodesPerUpdate: 8, epochs: 3 } }).training;
    expect(policy).toMatchObject({ model: 'policy', policyBase: 'moe', policyUpdates: 10, policyEpisodesPerUpdate: 8, epochs: 3 });
    // Unset, they stay unset (the defaults are the reference's, applied at training), so other models' stage keys do not change.
    expect(parsePipelineConfig({ training: { model: 'policy' } }).training).not.toHaveProperty('policyUpdates');
    expect(() => parsePipelineConfig({ training: { model: 'policy', policyUpdates: 0, policyEpisodesPerUpdate: 1025 } }, 'exp.json')).toThrow(
      ['exp.json: training.policyUpdates: Too small: expected number to be >=1', 'exp.json: training.policyEpisodesPerUpdate: Too big: expected number to be <=1024'].join('\n'),
    );
    expect(() => parsePipelineConfig({ training: { model: 'policy', policyUpdates: 10_001 } })).toThrow(/training\.policyUpdates: Too big/);
    expect(() => parsePipelineConfig({ training: { model: 'policy', policyBase: 'wait-risk' } })).toThrow(/training\.policyBase: Invalid option: expected one of "default"\|"transformer"\|"moe"/);
    expect(() => parsePipelineConfig({ training: { model: 'default', policyUpdates: 5 } }, 'exp.json')).toThrow("exp.json: training.policyUpdates: only for training.model 'policy'; 'default' has no policyUpdates");
    expect(() => parsePipelineConfig({ training: { policyBase: 'default' } })).toThrow("training.policyBase: only for training.model 'policy'; 'wait-risk' has no policyBase");
    // The paper preset sizes a transformer or moe: a policy over the default network has none.
    expect(() => parsePipelineConfig({ training: { model: 'policy', preset: 'paper' } })).toThrow(/training\.preset: the paper preset sizes a transformer or moe base/);
    expect(parsePipelineConfig({ training: { model: 'policy', preset: 'paper', policyBase: 'transformer' } }).training.preset).toBe('paper');
  });
});

describe('the trace stage record', () => {
  it('gives the submit range of an archive-sized trace (half a million jobs, more than a call can spread)', () => {
    const jobs = Array.from({ length: 500_000 }, (_, i) => ({ submitSec: 1_000_000 + ((i * 7919) % 500_000) }));
    const record = traceRecord('big.swf', { sha256: 'x', format: 'swf', jobs: jobs as never, rejectedCount: 2 });
    expect(record).toEqual({ name: 'big.swf', sha256: 'x', format: 'swf', jobs: 500_000, rejectedRows: 2, firstSubmitSec: 1_000_000, lastSubmitSec: 1_499_999 });
    expect(traceRecord('empty', { sha256: 'y', format: 'swf', jobs: [], rejectedCount: 0 })).toMatchObject({ firstSubmitSec: null, lastSubmitSec: null });
  });
});
