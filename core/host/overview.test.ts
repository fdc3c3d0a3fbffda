import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTraceFile } from '../trace/load.js';
import { buildOverview } from './overview.js';

const testdata = (name: string): string => fileURLToPath(new URL(`../trace/testdata/${name}`, import.meta.url));

describe('trace overview of traces from elsewhere', () => {
  it('lists the partitions with their sizes, each said to be inferred', async () => {
    const trace = await loadTraceFile(testdata('sacct-two-partitions.txt'));
    const overview = buildOverview(trace.jobs);
    expect(overview.capacitySource).toBe('inferred');
    expect(overview.partitions).toEqual([
      // Nodes: 5003, 5004 and 5005 or 5006 run together (3); the pending 5007 counts under gpu-shared, its first partition.
      { name: 'gpu-shared', jobCount: 5, simulatableCount: 4, medianNodes: 1, maxNodes: 1, peakRunningNodes: 3, capacityNodes: 3, capacityInferred: true },
      // 5001 (2 nodes) with 5002 (1), then with 5008 (2).
      { name: 'gpu-a100', jobCount: 3, simulatableCount: 3, medianNodes: 2, maxNodes: 2, peakRunningNodes: 4, capacityNodes: 4, capacityInferred: true },
    ]);
  });

  it('leaves starts the trace does not give out of the wait figures, and counts them', async () => {
    const trace = await loadTraceFile(testdata('archive-style-mixed.swf'));
    const overview = buildOverview(trace.jobs, 8, 'declared');
    expect(overview.startUnknownCount).toBe(3);
    // Known waits: 60 s (job 1), 30 s (job 4), 0 s (job 6).
    expect(overview.waitHistogram.counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(overview.wait.maxSec).toBe(60);
  });
});
