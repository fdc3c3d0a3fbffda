import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineConfigSchema } from './config.js';
import type { PipelineConfigInput } from './config.js';
import type { MachineRoom } from './limits.js';
import { bytes, checkPipelineFits, estimateChain, estimatePipeline, machineRoom, packedWindowBytes, RunTooLargeError, unpackedWindowBytes } from './limits.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** A modest laptop: 8 GiB free, 2 GiB of heap, 50 GiB of disk. */
const LAPTOP: MachineRoom = { memoryBytes: 8 * GiB, heapBytes: 2 * GiB, diskBytes: 50 * GiB };
/** The paper's sizes (7 probes a sample, as the hand computations below assume), overlaid with `input`. */
const config = (input: PipelineConfigInput = {}) => PipelineConfigSchema.parse({ ...input, dataset: { probes: 7, ...input.dataset } });

function refusal(input: PipelineConfigInput, room: MachineRoom = LAPTOP): string {
  try {
    checkPipelineFits(config(input), tmpdir(), { room, threads: 2, traceBytes: 0 });
  } catch (error) {
    expect(error).toBeInstanceOf(RunTooLargeError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('run size estimates', () => {
  it('sizes one window from the dataset layout', () => {
    // 144 x 34 float32 queue rows + 8 float32 chain values + 13 eight-byte columns.
    expect(packedWindowBytes(144)).toBe(144 * 34 * 4 + 8 * 4 + 13 * 8);
    expect(packedWindowBytes(144)).toBe(19_720);
    expect(unpackedWindowBytes(144)).toBe(144 * 42 * 4);
  });

  it("bounds the paper's experiment by hand: 684 x 7 windows, 156 validation samples x 4 policies", () => {
    const estimate = estimatePipeline(config(), { threads: 2, traceBytes: 0 });
    const windows = 684 * 7;
    const packed = windows * 19_720;
    // Two copies of the packed dataset on disk (the resumable per-sample records and the merged arrays),
    // 400 bytes per validation result, 64 MiB for the model, report and charts.
    expect(estimate.diskBytes).toBe(2 * packed + 156 * 4 * 400 + 64 * MiB);
    // Training is the peak: the packed dataset, every window unpacked, and the split's copy.
    const heap = (684 + windows + 156 * 4 + 156) * 512;
    expect(estimate.heapBytes).toBe(heap);
    expect(estimate.memoryBytes).toBe(packed + 2 * windows * 24_192 + heap);
    // The measured LS6 dataset folder (40.3 MB of snapshots.npy) lies under the packed bound (94.4 MB).
    expect(packed).toBeGreaterThan(40_342_896);
  });

  it('lets the paper experiment and the quick preset run on a modest machine', () => {
    expect(() => checkPipelineFits(config(), tmpdir(), { room: LAPTOP, threads: 2, traceBytes: 2e6 })).not.toThrow();
    expect(() => checkPipelineFits(config({ dataset: { samples: 24 }, validation: { samples: 12 } }), tmpdir(), { room: LAPTOP, threads: 2 })).not.toThrow();
  });

  it('refuses a billion training samples with the estimate and the field to lower', () => {
    const message = refusal({ dataset: { samples: 1e9 } });
    expect(message).toMatch(/this experiment would need about [\d.]+ TiB of memory, and 8\.00 GiB is available/);
    expect(message).toContain('dataset.samples 1,000,000,000 x dataset.probes 7 = 7,000,000,000 training windows');
    expect(message).toMatch(/of disk, and the output folder's file system has 50\.0 GiB free/);
    expect(message).toMatch(/Lower dataset\.samples, dataset\.probes or validation\.samples/);
  });

  it('refuses a million probes (each simulation thread holds every probe of its sample)', () => {
    const message = refusal({ dataset: { samples: 10, probes: 1_000_000 } });
    expect(message).toContain('dataset.probes 1,000,000');
    expect(message).toContain('2 simulation thread(s) holding 1,000,000 probes each');
  });

  it('refuses a billion validation samples', () => {
    expect(refusal({ validation: { samples: 1e9 } })).toContain('validation.samples 1,000,000,000 x 4 policies');
  });

  it('refuses on disk alone when memory would do', () => {
    const message = refusal({}, { memoryBytes: 64 * GiB, heapBytes: 8 * GiB, diskBytes: 100 * MiB });
    expect(message).not.toMatch(/of memory/);
    expect(message).toMatch(/about 244 MiB of disk, and the output folder's file system has 100 MiB free/);
  });

  it('refuses results that would not fit on the JavaScript heap, and says how to raise it', () => {
    const message = refusal({ dataset: { samples: 1, probes: 2 }, validation: { samples: 2_000_000 } }, { memoryBytes: 1024 * GiB, heapBytes: 1 * GiB, diskBytes: 1024 * GiB });
    expect(message).toMatch(/of JavaScript heap for its results, and 1\.00 GiB is left \(node --max-old-space-size raises it\)/);
  });

  it('estimates a chain of baseline runs from its results only, and a dataset with its windows', () => {
    expect(estimateChain({ samples: 1000, runsPerSample: 1, windowLength: 0, threads: 4 })).toMatchObject({ memoryBytes: 1000 * 2 * 512, diskBytes: 0 });
    const dataset = estimateChain({ samples: 10, runsPerSample: 7, windowLength: 144, threads: 1 });
    expect(dataset.diskBytes).toBe(2 * 10 * 8 * 19_720);
  });

  it("measures this machine's room, also for an output folder that does not exist yet", () => {
    const room = machineRoom(join(tmpdir(), 'no', 'such', 'folder'));
    expect(room.memoryBytes).toBeGreaterThan(0);
    expect(room.heapBytes).toBeGreaterThan(0);
    expect(room.diskBytes === null || room.diskBytes >= 0).toBe(true);
  });

  it('writes sizes in binary units', () => {
    expect(bytes(512)).toBe('512 bytes');
    expect(bytes(100 * MiB)).toBe('100 MiB');
    expect(bytes(1.5 * GiB)).toBe('1.50 GiB');
  });
});
