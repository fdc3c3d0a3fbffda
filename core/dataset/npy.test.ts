import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from './npy.js';

/**
 * Reads the header the way the format spec describes it, without our decoder:
 * magic, version, little-endian uint16 header length, a Python dict literal.
 */
function parseHeaderIndependently(bytes: Buffer): { major: number; minor: number; headerLen: number; dict: string } {
  expect([...bytes.subarray(0, 6)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  const headerLen = bytes[8] + 256 * bytes[9];
  const dict = bytes.subarray(10, 10 + headerLen).toString('ascii');
  return { major: bytes[6], minor: bytes[7], headerLen, dict };
}

const dir = await mkdtemp(join(tmpdir(), 'mirage-npy-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('npy', () => {
  it('writes a version 1.0 header numpy can read: dtype, order, shape, 64-byte alignment', async () => {
    const values = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 0.5 - 3);
    const path = join(dir, 'features.npy');
    await writeNpy(path, values, [2, 3, 4]);
    const bytes = await readFile(path);
    const { major, minor, headerLen, dict } = parseHeaderIndependently(bytes);
    expect([major, minor]).toEqual([1, 0]);
    expect((10 + headerLen) % 64).toBe(0);
    expect(dict.endsWith('\n')).toBe(true);
    expect(dict.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }");
    // Data: 24 little-endian float32 values in C order right after the header.
    const data = bytes.subarray(10 + headerLen);
    expect(data.length).toBe(24 * 4);
    expect(data.readFloatLE(0)).toBe(-3);
    expect(data.readFloatLE(4 * (1 * 12 + 2 * 4 + 3))).toBe((1 * 12 + 2 * 4 + 3) * 0.5 - 3);
  });

  it('spells a 1-D shape as a one-element tuple and stores int64 little-endian', () => {
    const bytes = encodeNpy(BigInt64Array.from([1667260800n, -5n, 0n]), [3]);
    const { headerLen, dict } = parseHeaderIndependently(bytes);
    expect(dict.trimEnd()).toBe("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }");
    const data = bytes.subarray(10 + headerLen);
    expect(data.readBigInt64LE(0)).toBe(1667260800n);
    expect(data.readBigInt64LE(8)).toBe(-5n);
  });

  it('round-trips every supported dtype, including empty arrays', async () => {
    const cases = [
      { data: Float64Array.from([Math.PI, -0, 1e300]), shape: [3] },
      { data: Int32Array.from([1, -2, 3, -4, 5, -6]), shape: [2, 3] },
      { data: new Float32Array(0), shape: [0, 144, 42] },
    ];
    for (const [i, { data, shape }] of cases.entries()) {
      const path = join(dir, `case-${i}.npy`);
      await writeNpy(path, data, shape);
      const back = await readNpy(path);
      expect(back.shape).toEqual(shape);
      expect([...back.data]).toEqual([...data]);
      expect(back.data.constructor).toBe(data.constructor);
    }
  });

  it('refuses a shape that does not match the data, and files that are not .npy', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6 values, the data has 5/);
    expect(() => decodeNpy(Buffer.from('PK\x03\x04 not numpy'), 'x.npy')).toThrow(/x.npy: not an .npy file/);
    const whole = encodeNpy(new Float32Array(4), [4]);
    const truncated = whole.subarray(0, whole.length - 8);
    expect(() => decodeNpy(truncated, 't.npy')).toThrow(/t.npy: shape \(4\) needs 16 data bytes, the file has 8/);
  });
});
