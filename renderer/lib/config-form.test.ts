import { describe, expect, it } from 'vitest';
import { PipelineConfigSchema } from '../../core/pipeline/browser.js';
import { allFields, checkConfig, experimentFormModel, formatInput, getAt, parseInput, setAt } from './config-form.js';

describe('the experiment form generated from the CLI config schema', () => {
  const model = experimentFormModel();
  const field = (path: string) => allFields(model).find((f) => f.path.join('.') === path)!;

  it('has a field for every leaf of the schema, with its description and default', () => {
    expect(model.fields.map((f) => f.key)).toEqual(expect.arrayContaining(['name', 'workers']));
    expect(model.sections.map((s) => s.key)).toEqual(['trace', 'sim', 'chain', 'dataset', 'training', 'validation', 'cost', 'evaluation']);
    // Every key of the parsed defaults is a field (the optional training sizes are fields too).
    const defaults = PipelineConfigSchema.parse({});
    const leaves = (value: unknown, path: string[] = []): string[] =>
      typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k])) : [path.join('.')];
    const paths = allFields(model).map((f) => f.path.join('.'));
    for (const leaf of leaves(defaults)) expect(paths, leaf).toContain(leaf);
    expect(paths).toEqual(expect.arrayContaining(['training.epochs', 'training.dModel', 'training.layers']));

    expect(field('dataset.samples')).toMatchObject({ kind: 'integer', defaultValue: 684, min: 1, label: 'Samples' });
    expect(field('dataset.samples').description).toMatch(/Training samples/);
    expect(field('chain.jobNodes')).toMatchObject({ kind: 'integer', label: 'Job nodes', defaultValue: 1 });
    expect(field('dataset.featureMode')).toMatchObject({ kind: 'enum', options: ['decision', 'reference'] });
    expect(field('training.model').options).toEqual(expect.arrayContaining(['wait-linear', 'default', 'transformer', 'moe', 'policy']));
    // The policy agent's settings: its base, and bounded REINFORCE sizes left blank for the reference's.
    expect(field('training.policyBase')).toMatchObject({ kind: 'enum', options: ['default', 'transformer', 'moe'], defaultValue: undefined });
    // What a neural model predicts: the reward (blank), or the wait's survival function read as a risk.
    expect(field('training.target')).toMatchObject({ kind: 'enum', options: ['reward', 'wait-risk'], defaultValue: undefined });
    expect(field('training.policyUpdates')).toMatchObject({ kind: 'integer', min: 1, max: 10000, defaultValue: undefined });
    expect(field('training.policyEpisodesPerUpdate')).toMatchObject({ kind: 'integer', min: 1, max: 1024 });
    expect(field('training.epochs').defaultValue).toBeUndefined();
    expect(field('validation.baselines')).toMatchObject({ kind: 'multi-enum', options: ['reactive', 'average', 'quantile'] });
    expect(field('validation.submitIntervalHours').kind).toBe('number-pair');
    expect(field('validation.calibrate.lowHours').kind).toBe('number-list');
    expect(field('validation.calibrate.enabled').kind).toBe('boolean');
    // A list of numbers where null means "no cap": typed and shown as "none".
    const caps = field('validation.calibrate.maxLeadHours');
    expect(caps).toMatchObject({ kind: 'number-list', nullableItems: true });
    expect(parseInput(caps, '1, 2 none')).toEqual([1, 2, null]);
    expect(parseInput(caps, '1, x')).toBe('1, x');
    expect(formatInput([1, null])).toBe('1, none');
  });

  it('turns typed text into draft values and back', () => {
    expect(parseInput(field('dataset.samples'), ' 24 ')).toBe(24);
    expect(parseInput(field('dataset.samples'), '2x')).toBe('2x');
    expect(parseInput(field('dataset.samples'), '')).toBeUndefined();
    expect(parseInput(field('validation.calibrate.lowHours'), '-0.5, 0 1')).toEqual([-0.5, 0, 1]);
    expect(formatInput([-0.5, 0])).toBe('-0.5, 0');
    let draft = setAt({}, ['dataset', 'samples'], 24);
    draft = setAt(draft, ['training', 'epochs'], 5);
    expect(draft).toEqual({ dataset: { samples: 24 }, training: { epochs: 5 } });
    expect(getAt(draft, ['dataset', 'samples'])).toBe(24);
    expect(setAt(draft, ['dataset', 'samples'], undefined)).toEqual({ training: { epochs: 5 } });
  });

  it("puts zod's issues on the fields they name, unknown fields aside", () => {
    const { issues, config } = checkConfig({ dataset: { samples: 0, start: '2022-11-01' }, training: { epochs: '2x' }, validation: { submitIntervalHours: [3, 'a'] }, bogus: 1 });
    expect(config).toBeNull();
    expect(issues.get('dataset.samples')).toEqual(['must be at least 1']);
    expect(issues.get('dataset.start')?.[0]).toMatch(/YYYY-MM-DDTHH:MM:SS/);
    // What was typed is refused in the form's words, not the schema's ("Invalid input: expected number, received string").
    expect(issues.get('training.epochs')).toEqual(['a number is needed here']);
    expect(issues.get('validation.submitIntervalHours')).toEqual(['a number is needed here']);
    expect(issues.get('')?.[0]).toMatch(/^bogus: unknown field/);
    expect(checkConfig({}).config).toEqual(PipelineConfigSchema.parse({}));
  });
});
