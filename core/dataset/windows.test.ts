import { describe, expect, it } from 'vitest';
import { decodeSampleRecord, encodeSampleRecord, toSampleRecord } from './record.js';
import { fakeSample } from './testing/fake-source.js';
import { DEFAULT_WINDOW_LENGTH as WINDOW_LENGTH, FEATURE_COUNT, QUEUE_FEATURES, packWindows, unpackAll, unpackWindow } from './windows.js';

const init = { probes: 7, startSec: 1_667_260_800, intervalHours: 4 };

describe('shared windows', () => {
  it('stores the common history of decision-time windows once and gives every window back exactly', () => {
    const sample = fakeSample({ ...init, featureMode: 'decision' }, 3);
    const windows = sample.runs.map((r) => r.features!);
    const packed = packWindows(windows, WINDOW_LENGTH, (k) => `probe ${k}`);
    // Probe decisions are 48 snapshots apart: 144 rows, then 48 new rows per probe.
    expect(packed.snapshots.length / QUEUE_FEATURES).toBe(WINDOW_LENGTH + 6 * 48);
    expect([...packed.windowStart]).toEqual([0, 48, 96, 144, 192, 240, 288]);
    const all = unpackAll(packed);
    windows.forEach((w, k) => expect(all.subarray(k * w.length, (k + 1) * w.length)).toEqual(w));
  });

  it('shares nothing between reference windows that diverge after the decision, and still round-trips', () => {
    const sample = fakeSample({ ...init, featureMode: 'reference' }, 2);
    const windows = sample.runs.map((r) => r.features!);
    const packed = packWindows(windows, WINDOW_LENGTH, (k) => `probe ${k}`);
    const out = new Float32Array(WINDOW_LENGTH * FEATURE_COUNT);
    windows.forEach((w, k) => {
      unpackWindow(packed, k, out);
      expect(out).toEqual(w);
    });
    // Windows that run past their decision (the successor waited) carry rows no other probe has.
    expect(packed.snapshots.length / QUEUE_FEATURES).toBeGreaterThan(WINDOW_LENGTH + 6 * 48);
  });

  it('refuses a window whose pred/succ columns change from row to row', () => {
    const window = fakeSample({ ...init, featureMode: 'decision' }, 0).runs[0].features!;
    window[5 * FEATURE_COUNT + 37] += 60;
    expect(() => packWindows([window], WINDOW_LENGTH, (k) => `sample 0 probe ${k}`)).toThrow(/sample 0 probe 0: feature 37 .* changes inside the window \(row 0: \d+, row 5/);
  });

  it('encodes a sample record to bytes and back unchanged', () => {
    const record = toSampleRecord(fakeSample({ ...init, featureMode: 'decision' }, 5), WINDOW_LENGTH);
    const bytes = encodeSampleRecord(record);
    expect(decodeSampleRecord(bytes, 'x')).toEqual(record);
    expect(() => decodeSampleRecord(bytes.subarray(0, bytes.length - 4), 'x.bin')).toThrow(/x.bin: truncated/);
  });
});
