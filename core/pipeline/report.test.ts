import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from './config.js';
import { chainLine } from './report.js';

describe('the report\'s chain line', () => {
  it('gives the reference\'s 48 h when chain.jobMinutes is absent', () => {
    expect(chainLine(parsePipelineConfig({ chain: { jobNodes: 8 } }))).toBe(
      '- Chain: 8-node jobs of 48 h, a sample every 4 h, 2 days of warm-up, 5 days of workload.',
    );
  });

  it('gives the configured limit, in hours or minutes, and GPUs where sizes count GPUs', () => {
    expect(chainLine(parsePipelineConfig({ chain: { jobNodes: 64, jobMinutes: 720 } }))).toMatch(/^- Chain: 64-node jobs of 12 h, /);
    expect(chainLine(parsePipelineConfig({ chain: { jobNodes: 1, jobMinutes: 90 } }))).toMatch(/^- Chain: 1-node jobs of 90 min, /);
    expect(chainLine(parsePipelineConfig({ sim: { unit: 'gpus', nodes: 16 }, chain: { jobNodes: 2, jobMinutes: 1440 } }))).toMatch(/^- Chain: 2-GPU jobs of 24 h, /);
  });
});
