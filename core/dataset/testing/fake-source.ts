import type { SimulatedSample } from '../record.js';
import type { SampleFunction } from '../source.js';
import { DEFAULT_WINDOW_LENGTH as WINDOW_LENGTH, FEATURE_COUNT, QUEUE_FEATURES } from '../windows.js';

/**
 * A fast stand-in for the chain simulator with the same structure: one
 * snapshot every 10 minutes from the sample start; probe k decides at
 * snapshot 150 + 48k; in `decision` mode its window ends at the decision (so
 * probes share rows), in `reference` mode at the successor's start, a few
 * snapshots later, with rows of its own after the decision.
 */
export interface FakeSourceInit {
  probes: number;
  featureMode: 'decision' | 'reference';
  startSec: number;
  intervalHours: number;
  /** Sample indices whose simulation throws, to test failures. */
  failOn?: number[];
}

const SNAPSHOT_SEC = 600;

function value(sample: number, snapshot: number, column: number, branch: number): number {
  // Deterministic, varied, exactly representable in float32.
  return ((sample * 7919 + snapshot * 104729 + column * 31 + branch * 613) % 100003) / 8;
}

export function fakeSample(init: FakeSourceInit, index: number): SimulatedSample {
  if (init.failOn?.includes(index)) throw new Error(`fake simulator fails on sample ${index}`);
  const sampleStartSec = init.startSec + index * init.intervalHours * 3600;
  const predSubmitSec = sampleStartSec + 2 * 86400;
  const predStartSec = predSubmitSec + (index % 3) * 60;
  const predEndSec = predStartSec + 172800;
  const runs = Array.from({ length: init.probes }, (_, k) => {
    const decision = 150 + 48 * k;
    const succWait = (index + k) % 4;
    const last = init.featureMode === 'decision' ? decision : decision + succWait;
    const features = new Float32Array(WINDOW_LENGTH * FEATURE_COUNT);
    for (let r = 0; r < WINDOW_LENGTH; r++) {
      const snapshot = last - WINDOW_LENGTH + 1 + r;
      const branch = snapshot > decision ? k + 1 : 0; // after the decision the probes' simulations differ
      for (let c = 0; c < QUEUE_FEATURES; c++) features[r * FEATURE_COUNT + c] = value(index, snapshot, c, branch);
      features.set([2880, 1, (predStartSec - predSubmitSec), decision * 60, 2880, 1, 0, 0], r * FEATURE_COUNT + QUEUE_FEATURES);
    }
    const submitSec = sampleStartSec + decision * SNAPSHOT_SEC;
    const succStartSec = submitSec + succWait * SNAPSHOT_SEC;
    // The start estimate: an upper bound of the wait, as the scheduler's tends to be.
    return { submitSec, succStartSec, rewardSeconds: succStartSec - predEndSec, features, forecastWaitSec: 2 * succWait * SNAPSHOT_SEC };
  });
  return { index, sampleStartSec, predSubmitSec, predStartSec, predEndSec, avgWaitMinutes: index % 11, queueLength: index % 5, runs };
}

export function createSampleFunction(init: unknown): SampleFunction {
  return (index) => fakeSample(init as FakeSourceInit, index);
}
