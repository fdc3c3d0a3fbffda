import { randomUUID } from 'node:crypto';
import { freemem } from 'node:os';
import type { ClientContext } from '../api/handlers.js';
import { UPLOAD_CHUNK_CHARS, UPLOAD_MAX_CHARS } from '../api/trace.js';
import { ServiceError } from '../api/errors.js';

interface Upload {
  fileName: string;
  sizeChars: number;
  chunks: string[];
  receivedChars: number;
  touchedMs: number;
  clientId: string | null;
}

export interface UploadLimits {
  /** An upload with no chunk for this long is dropped. */
  idleMs?: number;
  /** Uploads held at once, all clients together. */
  maxUploads?: number;
  /** Uploads one client may hold at once. */
  maxPerClient?: number;
  /** Characters all held uploads may announce together (default: from the memory available now). */
  maxTotalChars?: () => number;
}

/**
 * Memory an announced character may take until its trace is parsed: the
 * chunks (UTF-16, 2 bytes), the joined text (2 more), and the parse's peak
 * beside it (about as much again).
 */
const BYTES_PER_CHAR_HELD = 6;

/**
 * Files a browser sends in chunks (it cannot hand over a path). Chunks must
 * come in order. An upload is dropped when its client disconnects, or after
 * `idleMs` without a chunk, so an abandoned upload frees its memory early;
 * a new one is refused, not let in by dropping another's, when the store is
 * full or the announced sizes would not fit the memory available.
 */
export class UploadStore {
  private readonly uploads = new Map<string, Upload>();
  private readonly idleMs: number;
  private readonly maxUploads: number;
  private readonly maxPerClient: number;
  private readonly maxTotalChars: () => number;

  constructor(limits: UploadLimits = {}) {
    this.idleMs = limits.idleMs ?? 2 * 60_000;
    this.maxUploads = limits.maxUploads ?? 4;
    this.maxPerClient = limits.maxPerClient ?? 2;
    this.maxTotalChars = limits.maxTotalChars ?? (() => Math.floor(freemem() / 2 / BYTES_PER_CHAR_HELD));
  }

  begin(fileName: string, sizeChars: number, client?: ClientContext): { uploadId: string; chunkChars: number } {
    if (sizeChars > UPLOAD_MAX_CHARS) throw new ServiceError('bad-input', `${fileName} is too large to upload (${sizeChars} characters; at most ${UPLOAD_MAX_CHARS})`);
    this.sweep();
    const clientId = client?.id ?? null;
    if (this.uploads.size >= this.maxUploads) throw new ServiceError('conflict', `the server holds ${this.maxUploads} unfinished uploads already; try again when one is done`);
    if (clientId !== null && [...this.uploads.values()].filter((u) => u.clientId === clientId).length >= this.maxPerClient) {
      throw new ServiceError('conflict', `this page has ${this.maxPerClient} unfinished uploads already; finish or cancel one first`);
    }
    const held = [...this.uploads.values()].reduce((n, u) => n + u.sizeChars, 0);
    const room = this.maxTotalChars();
    if (held + sizeChars > room) {
      throw new ServiceError('bad-input', `${fileName} (${sizeChars} characters) does not fit in the memory the server has free now (room for ${Math.max(0, room - held)} more characters)`);
    }
    const uploadId = randomUUID();
    this.uploads.set(uploadId, { fileName, sizeChars, chunks: [], receivedChars: 0, touchedMs: Date.now(), clientId });
    // A page that closes (or crashes) mid-upload frees it now, not after the idle time.
    client?.onClose(() => this.uploads.delete(uploadId));
    return { uploadId, chunkChars: UPLOAD_CHUNK_CHARS };
  }

  chunk(uploadId: string, seq: number, text: string, client?: ClientContext): { receivedChars: number } {
    const upload = this.get(uploadId, client);
    if (seq !== upload.chunks.length) throw new ServiceError('invalid-request', `upload chunk ${seq} out of order (expected ${upload.chunks.length})`);
    if (upload.receivedChars + text.length > upload.sizeChars) throw new ServiceError('invalid-request', `upload of ${upload.fileName} is longer than announced`);
    upload.chunks.push(text);
    upload.receivedChars += text.length;
    upload.touchedMs = Date.now();
    return { receivedChars: upload.receivedChars };
  }

  /** Removes the upload and returns its file name and whole text. */
  take(uploadId: string, client?: ClientContext): { fileName: string; text: string } {
    const upload = this.get(uploadId, client);
    this.uploads.delete(uploadId);
    if (upload.receivedChars !== upload.sizeChars) {
      throw new ServiceError('invalid-request', `upload of ${upload.fileName} is incomplete (${upload.receivedChars} of ${upload.sizeChars} characters)`);
    }
    return { fileName: upload.fileName, text: upload.chunks.join('') };
  }

  abort(uploadId: string, client?: ClientContext): boolean {
    const upload = this.uploads.get(uploadId);
    if (!upload || !this.owns(upload, client)) return false;
    return this.uploads.delete(uploadId);
  }

  get size(): number {
    return this.uploads.size;
  }

  /** An upload belongs to the connection that began it; calls without a client (tests, in-process tools) may use any. */
  private owns(upload: Upload, client?: ClientContext): boolean {
    return upload.clientId === null || client === undefined || upload.clientId === client.id;
  }

  private get(uploadId: string, client?: ClientContext): Upload {
    this.sweep();
    const upload = this.uploads.get(uploadId);
    if (!upload || !this.owns(upload, client)) throw new ServiceError('not-found', `no upload ${uploadId} (it may have expired)`);
    return upload;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, upload] of this.uploads) if (now - upload.touchedMs > this.idleMs) this.uploads.delete(id);
  }
}
