import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../files/atomic.js';

/**
 * NumPy .npy files, format version 1.0, so that a Python user can
 * `numpy.load` our datasets directly. Only what datasets need: little-endian
 * C-order arrays of float32/float64/int32/int64.
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */

export type NpyDescr = '<f4' | '<f8' | '<i4' | '<i8';

export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array;

export interface NpyArray {
  descr: NpyDescr;
  shape: number[];
  data: NpyData;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const PREAMBLE_BYTES = 10; // magic, 2 version bytes, uint16 header length
/** numpy pads the header so that the data starts on a 64-byte boundary. */
const ALIGN = 64;

const BYTES_PER: Record<NpyDescr, number> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8 };

function descrOf(data: NpyData): NpyDescr {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  return '<i8';
}

function countOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The header dict exactly as numpy writes it, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }`. */
function headerDict(descr: NpyDescr, shape: readonly number[]): string {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
}

/** Serialises an array to .npy bytes. The data's type decides the dtype; its length must match the shape. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Buffer {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`npy: bad shape (${shape.join(', ')})`);
  if (countOf(shape) !== data.length) {
    throw new Error(`npy: shape (${shape.join(', ')}) holds ${countOf(shape)} values, the data has ${data.length}`);
  }
  const descr = descrOf(data);
  const dict = headerDict(descr, shape);
  // The header ends in '\n' and is padded with spaces so that preamble + header is a multiple of ALIGN.
  const unpadded = PREAMBLE_BYTES + dict.length + 1;
  const headerLen = dict.length + 1 + ((ALIGN - (unpadded % ALIGN)) % ALIGN);
  if (headerLen > 0xffff) throw new Error('npy: header too long for format version 1.0');
  const header = Buffer.alloc(PREAMBLE_BYTES + headerLen, 0x20);
  MAGIC.copy(header, 0);
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(headerLen, 8);
  header.write(dict, PREAMBLE_BYTES, 'latin1');
  header[header.length - 1] = 0x0a;
  return Buffer.concat([header, littleEndianBytes(data)]);
}

function littleEndianBytes(data: NpyData): Buffer {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (isLittleEndianHost) return bytes;
  const copy = Buffer.from(bytes);
  const width = data.BYTES_PER_ELEMENT;
  if (width === 4) copy.swap32();
  else copy.swap64();
  return copy;
}

const isLittleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes an .npy file atomically (temp file + rename). */
export async function writeNpy(path: string, data: NpyData, shape: readonly number[]): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape));
}

/** Parses .npy bytes; `where` names the file in error messages. */
export function decodeNpy(bytes: Uint8Array, where = 'npy'): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < PREAMBLE_BYTES || !buf.subarray(0, 6).equals(MAGIC)) throw new Error(`${where}: not an .npy file (bad magic)`);
  const major = buf[6];
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw new Error(`${where}: unsupported .npy version ${major}.${buf[7]}`);
  }
  const header = buf.subarray(headerStart, headerStart + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${where}: malformed .npy header ${JSON.stringify(header.trim())}`);
  }
  if (fortran === 'True') throw new Error(`${where}: Fortran-order arrays are not supported`);
  if (!(descr in BYTES_PER)) throw new Error(`${where}: unsupported dtype ${descr} (want <f4, <f8, <i4 or <i8)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const npyDescr = descr as NpyDescr;
  const count = countOf(shape);
  const dataStart = headerStart + headerLen;
  const byteLength = count * BYTES_PER[npyDescr];
  if (buf.length - dataStart !== byteLength) {
    throw new Error(`${where}: shape (${shape.join(', ')}) needs ${byteLength} data bytes, the file has ${buf.length - dataStart}`);
  }
  // Copy into a fresh, aligned buffer: typed arrays need their offset to be a multiple of the element size.
  const raw = new Uint8Array(byteLength);
  raw.set(buf.subarray(dataStart, dataStart + byteLength));
  if (!isLittleEndianHost) {
    const b = Buffer.from(raw.buffer);
    if (BYTES_PER[npyDescr] === 4) b.swap32();
    else b.swap64();
  }
  return { descr: npyDescr, shape, data: typedView(npyDescr, raw.buffer) };
}

function typedView(descr: NpyDescr, buffer: ArrayBuffer): NpyData {
  switch (descr) {
    case '<f4':
      return new Float32Array(buffer);
    case '<f8':
      return new Float64Array(buffer);
    case '<i4':
      return new Int32Array(buffer);
    case '<i8':
      return new BigInt64Array(buffer);
  }
}

export async function readNpy(path: string): Promise<NpyArray> {
  return decodeNpy(await readFile(path), path);
}
