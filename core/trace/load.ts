import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import { parseTraceLines, TraceParser } from './parse.js';
import type { LoadedTrace, LoadOptions } from './types.js';
import { TraceFormatError } from './types.js';

const CHUNK_BYTES = 1 << 20;
/** No trace row comes near this; a longer "line" is binary or damaged data (and would be copied over and over). */
export const MAX_LINE_BYTES = 1 << 20;
/** Text traces compress 5-20 fold (the PWA logs at most ~30); past this a .gz is a decompression bomb, not a trace. */
export const MAX_GZIP_RATIO = 200;

/**
 * Loads a trace file of any supported format (gzip-compressed too, as the
 * Parallel Workloads Archive ships SWF). Streams the file in 1 MiB chunks: memory
 * holds the jobs, never the file's text. Rows that cannot be read are reported
 * in `rejected`; a file that is not a trace throws one TraceFormatError.
 */
export async function loadTraceFile(path: string, options: LoadOptions & WorkOptions = {}): Promise<LoadedTrace> {
  const file = basename(path);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new TraceFormatError(file, null, `not a file: ${path}`);
    size = info.size;
  } catch (error) {
    if (error instanceof TraceFormatError) throw error;
    throw new TraceFormatError(file, null, `cannot read the file: ${(error as Error).message}`);
  }
  const gzipped = await startsWithGzipMagic(path);
  const hash = createHash('sha256');
  const parser = new TraceParser(file, options);
  let bytesRead = 0;
  let lineNo = 0;
  const report = (): void => options.onProgress?.({ stage: 'load', done: bytesRead, total: size, unit: 'bytes', detail: { lines: lineNo } });

  async function* hashed(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      hash.update(chunk);
      bytesRead += chunk.length;
      yield chunk;
    }
  }
  let decoded = 0;
  async function splitLines(chunks: AsyncIterable<Buffer>): Promise<void> {
    let carry: Buffer | null = null;
    for await (const chunk of chunks) {
      throwIfAborted(options.signal);
      // Stop at the first sign of a file that is not a text trace, rather than read a gigabyte of it.
      if (chunk.indexOf(0) !== -1) throw new TraceFormatError(file, lineNo + 1, 'holds binary data (a NUL byte): not a text trace (a UTF-16 file must be saved as UTF-8)');
      decoded += chunk.length;
      if (gzipped && decoded > MAX_GZIP_RATIO * bytesRead + CHUNK_BYTES) {
        throw new TraceFormatError(file, null, `expands more than ${MAX_GZIP_RATIO}-fold when decompressed: not a trace (a decompression bomb?)`);
      }
      if (carry !== null && carry.length > MAX_LINE_BYTES) throw new TraceFormatError(file, lineNo + 1, `a line longer than ${MAX_LINE_BYTES} bytes: not a trace`);
      const buf: Buffer = carry === null ? chunk : Buffer.concat([carry, chunk]);
      let from = 0;
      for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
        const end = nl > from && buf[nl - 1] === 13 ? nl - 1 : nl;
        // One fresh string per line, so a kept field never pins a whole chunk in memory.
        parser.pushLine(buf.toString('utf8', from, end), ++lineNo);
        from = nl + 1;
      }
      carry = from < buf.length ? Buffer.from(buf.subarray(from)) : null;
      report();
    }
    if (carry !== null) {
      const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
      parser.pushLine(carry.toString('utf8', 0, end), ++lineNo);
    }
  }

  const raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    if (gzipped) await pipeline(raw, hashed, createGunzip({ chunkSize: CHUNK_BYTES }), splitLines);
    else await pipeline(raw, hashed, splitLines);
  } catch (error) {
    if (gzipped && String((error as NodeJS.ErrnoException).code).startsWith('Z_')) {
      throw new TraceFormatError(file, null, `the gzip stream is damaged: ${(error as Error).message}`);
    }
    throw error;
  }
  report();
  return { path, sha256: hash.digest('hex'), ...parser.finish() };
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * parseTraceText for a server: the same result, parsed a slice of lines at a
 * time with a turn of the event loop between slices, so a trace of hundreds
 * of megabytes uploaded by one page does not stall every other request.
 */
export async function parseTraceTextAsync(text: string, fileName: string, options: LoadOptions & WorkOptions = {}): Promise<LoadedTrace> {
  const hash = createHash('sha256');
  const parser = new TraceParser(fileName, options);
  const SLICE_CHARS = 1 << 20;
  let lineNo = 0;
  let from = 0;
  while (from < text.length) {
    throwIfAborted(options.signal);
    // Slices end after a newline, so no character (nor surrogate pair) is split between hash updates.
    const nlAfter = text.indexOf('\n', Math.min(from + SLICE_CHARS, text.length) - 1);
    const sliceEnd = nlAfter < 0 ? text.length : nlAfter + 1;
    hash.update(text.slice(from, sliceEnd), 'utf8');
    while (from < sliceEnd) {
      let nl = text.indexOf('\n', from);
      if (nl < 0 || nl >= sliceEnd) nl = sliceEnd;
      if (nl - from > MAX_LINE_BYTES) throw new TraceFormatError(fileName, lineNo + 1, `a line longer than ${MAX_LINE_BYTES} characters: not a trace`);
      const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      parser.pushLine(text.slice(from, end), ++lineNo);
      from = nl + 1;
    }
    options.onProgress?.({ stage: 'load', done: Math.min(from, text.length), total: text.length, unit: 'chars', detail: { lines: lineNo } });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { path: fileName, sha256: hash.digest('hex'), ...parser.finish() };
}

/** Same result as loadTraceFile, for a trace held in a string (tests, files uploaded to the GUI). */
export function parseTraceText(text: string, fileName: string, options: LoadOptions = {}): LoadedTrace {
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  return { path: fileName, sha256, ...parseTraceLines(text, fileName, options) };
}
