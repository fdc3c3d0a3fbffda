import { describe, expect, it } from 'vitest';
import { createRng } from '../model/rng.js';
import { splitBySampleTime } from '../train/data.js';
import type { TrainingData } from '../train/data.js';
import { splitDatasetHeldOut } from './reader.js';
import type { Dataset } from './reader.js';
import { heldOutCount, splitHeldOut } from './split.js';

const HOUR = 3600;
const REPLAY = 7 * 24 * HOUR;

describe('the held-out split', () => {
  it('holds out the rounded fraction, at least one, never all', () => {
    expect(heldOutCount(10, 0.25)).toBe(3); // 2.5 rounds to 3 (the case the two old splits disagreed on)
    expect(heldOutCount(684, 0.2)).toBe(137);
    expect(heldOutCount(2, 0.01)).toBe(1);
    expect(heldOutCount(1, 0.5)).toBe(0);
    expect(heldOutCount(5, 0)).toBe(0);
    expect(() => heldOutCount(5, 1)).toThrow(/fraction/);
  });

  it('property: fit, gap and held-out partition the samples in time order; no fit sample replays into the tail unless the gap was shortened', () => {
    const rng = createRng(1, 'split-property');
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + rng.int(300);
      const fraction = rng.int(10) / 20; // 0 .. 0.45
      const step = (1 + rng.int(8)) * HOUR;
      const starts = Array.from({ length: n }, (_, i) => i * step);
      const s = splitHeldOut(starts, fraction, REPLAY);
      expect([...s.fit, ...s.gap, ...s.heldOut]).toEqual(starts.map((_, i) => i));
      expect(s.heldOut.length).toBe(heldOutCount(n, fraction));
      if (n > 0) expect(s.fit.length).toBeGreaterThan(0);
      if (s.heldOut.length > 0) {
        const boundary = starts[s.heldOut[0]];
        const leaks = s.fit.filter((i) => starts[i] + REPLAY > boundary).length;
        if (!s.gapShortened) {
          expect(leaks).toBe(0);
          // The gap is exactly the samples that would leak: none is dropped needlessly.
          expect(s.gap.every((i) => starts[i] + REPLAY > boundary)).toBe(true);
        } else {
          expect(s.gap.length).toBe(Math.floor(s.heldOut[0] / 2));
        }
      } else {
        expect(s.gap).toEqual([]);
      }
    }
  });

  it('property: the wait models, neural training and calibration see the same held-out samples', () => {
    const rng = createRng(2, 'split-agreement');
    for (let trial = 0; trial < 60; trial++) {
      const samples = 2 + rng.int(120);
      const probes = 1 + rng.int(4);
      const fraction = [0.1, 0.2, 0.25, 0.3][rng.int(4)];
      const rows = samples * probes;
      const sampleIndex = Array.from({ length: rows }, (_, r) => Math.floor(r / probes));
      const sampleStartSec = sampleIndex.map((i) => i * 4 * HOUR);
      const dataset = {
        count: rows,
        columns: { sample_index: Float64Array.from(sampleIndex), sample_start_sec: Float64Array.from(sampleStartSec) },
        manifest: { config: { schedule: { warmupDays: 2, workloadDays: 5 } } },
      } as unknown as Dataset;
      const training = {
        features: new Float32Array(0),
        rewardsSeconds: new Float32Array(rows),
        sampleIndex,
        sampleStartSec,
        probe: sampleIndex.map((_, r) => r % probes),
        seqLen: 1,
        featureCount: 1,
        featureMode: 'decision',
        featureNames: ['x'],
        datasetHash: '',
        replaySec: REPLAY,
      } as TrainingData;
      const a = splitDatasetHeldOut(dataset, fraction);
      const b = splitBySampleTime(training, fraction);
      expect([...a.heldOut]).toEqual([...b.heldOut]);
      expect([...a.train]).toEqual([...b.train]);
      expect(a.heldOutSamples).toEqual([...new Set([...b.heldOut].map((r) => sampleIndex[r]))]);
    }
  });
});
