import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../pipeline/config.js';
import { formatEvaluationReport } from './report.js';
import { runEvaluation } from './run.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));

describe('mirage evaluate', () => {
  it('runs the folds and the test period, and prices the rule in hindsight on the same samples as validation', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'mirage-evaluate-'));
    // Replays of 2 days, folds of 3 samples 4 h apart; one candidate rule, so calibration and hindsight can only pick it.
    const rule = { kind: 'risk', threshold: 0.5, confirmations: 1 };
    const config = parsePipelineConfig({
      name: 'tiny-evaluation',
      chain: { warmupDays: 1, workloadDays: 1 },
      dataset: { start: '2023-01-24T00:00:00', probes: 2 },
      validation: { baselines: ['reactive', 'average'], calibrate: { thresholds: [0.5], confirmations: [1], maxLeadHours: [null] } },
      evaluation: { jobNodes: [1], folds: 2, foldSamples: 3, models: ['wait-risk'], test: { start: '2023-02-01T00:00:00', samples: 3 }, bootstrap: { resamples: 100 } },
      workers: 1,
    });
    const summary = await runEvaluation(config, { outDir: out, tracePath: TRACE });
    expect(summary.runs.map((r) => `${r.period.part}${r.period.fold ?? ''}`)).toEqual(['fold0', 'fold1', 'test']);
    for (const run of summary.runs) {
      const model = run.comparison.policies.find((p) => p.policy === run.label)!;
      // The one candidate, scored online on the validation samples by the hindsight pass: the validated cost, exactly.
      expect(run.hindsight!.rule).toEqual(rule);
      expect(run.hindsight!.meanCostHours).toBeCloseTo(model.meanCostHours, 12);
    }
    const all = summary.pooled.find((p) => p.jobNodes === 'all' && p.part === 'folds + test')!;
    expect(all.hindsightMeanCostHours).toBeCloseTo(all.comparison.policies.find((p) => p.policy === 'model')!.meanCostHours, 12);
    const report = formatEvaluationReport(summary, {});
    expect(report).toContain('| rule in hindsight (h) |');
    expect(report).toMatch(/With each period's rule in hindsight \(not a result, see above\) the model would cost [0-9.]+ h/);
    expect(JSON.parse(await readFile(path.join(out, 'evaluation.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(summary)));

    // Run again over the finished stages: the rule in hindsight is read back from the run's folder, not scored again
    // (a value planted there under the same key comes back), and the rest is the same.
    const kept = path.join(out, 'runs', '1-node', 'fold0', 'hindsight-model-wait-risk.json');
    const file = JSON.parse(await readFile(kept, 'utf8')) as { key: string; hindsight: { meanCostHours: number } };
    file.hindsight.meanCostHours = 123;
    await writeFile(kept, JSON.stringify(file));
    const again = await runEvaluation(config, { outDir: out, tracePath: TRACE });
    expect(again.runs[0].hindsight!.meanCostHours).toBe(123);
    expect(again.runs.slice(1)).toEqual(summary.runs.slice(1));
  });
});
