import type { RunResult, SampleResult } from '../sim/chain.js';
import type { PackedWindows } from './windows.js';
import { CHAIN_FEATURES, QUEUE_FEATURES, packWindows } from './windows.js';

/**
 * What the simulator returns for one sample, as far as a dataset keeps it:
 * core/sim/chain.ts's SampleResult with each run cut to its reward and its
 * snapshot window. Times are cluster-clock seconds.
 */
export type SimulatedSample = Omit<SampleResult, 'runs'> & {
  runs: readonly Pick<RunResult, 'submitSec' | 'succStartSec' | 'rewardSeconds' | 'features' | 'forecastWaitSec'>[];
};

export interface ProbeRecord {
  submitSec: number;
  succStartSec: number;
  rewardSeconds: number;
  /** The scheduler's start estimate for the successor at its submission (core/sim/forecast.ts), seconds. */
  forecastWaitSec: number;
}

/** One finished sample as a dataset stores it: metadata plus its packed windows (one per probe, in probe order). */
export interface SampleRecord {
  sampleIndex: number;
  sampleStartSec: number;
  predSubmitSec: number;
  predStartSec: number;
  predEndSec: number;
  avgWaitMinutes: number;
  queueLength: number;
  probes: ProbeRecord[];
  windows: PackedWindows;
}

export function toSampleRecord(sample: SimulatedSample, windowLength: number): SampleRecord {
  const where = (k: number): string => `sample ${sample.index} probe ${k}`;
  const windows = sample.runs.map((run, k) => {
    if (!run.features) throw new Error(`${where(k)}: the simulator returned no features (feature mode 'none'?)`);
    return run.features;
  });
  return {
    sampleIndex: sample.index,
    sampleStartSec: sample.sampleStartSec,
    predSubmitSec: sample.predSubmitSec,
    predStartSec: sample.predStartSec,
    predEndSec: sample.predEndSec,
    avgWaitMinutes: sample.avgWaitMinutes,
    queueLength: sample.queueLength,
    probes: sample.runs.map(({ submitSec, succStartSec, rewardSeconds, forecastWaitSec }, k) => {
      if (forecastWaitSec === undefined) throw new Error(`${where(k)}: the simulator returned no start estimate (feature mode 'none'?)`);
      return { submitSec, succStartSec, rewardSeconds, forecastWaitSec };
    }),
    windows: packWindows(windows, windowLength, where),
  };
}

/*
 * A sample record on disk (the resumable `.partial/` files) and between
 * threads: "MIRSAMP1", uint32 JSON length, the JSON metadata, zero padding to
 * a multiple of 4, then snapshots f32, chain state f32, window starts i32,
 * all little-endian.
 */

const MAGIC = 'MIRSAMP1';

interface RecordHeader extends Omit<SampleRecord, 'windows'> {
  windowLength: number;
  snapshotRows: number;
}

export function encodeSampleRecord(record: SampleRecord): Uint8Array {
  assertLittleEndianHost();
  const { windows, ...meta } = record;
  const header: RecordHeader = { ...meta, windowLength: windows.windowLength, snapshotRows: windows.snapshots.length / QUEUE_FEATURES };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerBytes = align4(MAGIC.length + 4 + json.length);
  const parts = [windows.snapshots, windows.chainState, windows.windowStart];
  const total = headerBytes + parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MAGIC.length + 4);
  let at = headerBytes;
  for (const part of parts) {
    out.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), at);
    at += part.byteLength;
  }
  return out;
}

export function decodeSampleRecord(bytes: Uint8Array, where: string): SampleRecord {
  assertLittleEndianHost();
  if (bytes.length < MAGIC.length + 4 || Buffer.from(bytes.subarray(0, MAGIC.length)).toString('latin1') !== MAGIC) {
    throw new Error(`${where}: not a sample record`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(MAGIC.length, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + jsonLength)).toString('utf8')) as RecordHeader;
  const probes = header.probes.length;
  const sizes = [header.snapshotRows * QUEUE_FEATURES * 4, probes * CHAIN_FEATURES * 4, probes * 4];
  let at = align4(MAGIC.length + 4 + jsonLength);
  if (bytes.length !== at + sizes[0] + sizes[1] + sizes[2]) throw new Error(`${where}: truncated or corrupt sample record`);
  // Copies: the source buffer may be unaligned or reused by the caller.
  const take = (n: number): ArrayBuffer => {
    // (Buffer#slice would share the source's memory, so copy explicitly.)
    const copy = new Uint8Array(n);
    copy.set(bytes.subarray(at, at + n));
    at += n;
    return copy.buffer;
  };
  const { snapshotRows: _rows, windowLength, ...meta } = header;
  return {
    ...meta,
    windows: { windowLength, snapshots: new Float32Array(take(sizes[0])), chainState: new Float32Array(take(sizes[1])), windowStart: new Int32Array(take(sizes[2])) },
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('sample records need a little-endian host');
}
