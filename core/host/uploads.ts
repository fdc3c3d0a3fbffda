import { randomUUID } from 'node:crypto';
import { UPLOAD_CHUNK_CHARS, UPLOAD_MAX_CHARS } from '../api/trace.js';
import { ServiceError } from '../api/errors.js';

interface Upload {
  fileName: string;
  sizeChars: number;
  chunks: string[];
  receivedChars: number;
  touchedMs: number;
}

/**
 * Files a browser sends in chunks (it cannot hand over a path). Chunks must
 * come in order; an upload idle for `idleMs` is dropped, and so are the oldest
 * ones beyond `maxUploads`, so a forgotten upload cannot hold memory.
 */
export class UploadStore {
  private readonly uploads = new Map<string, Upload>();

  constructor(
    private readonly idleMs = 10 * 60_000,
    private readonly maxUploads = 4,
  ) {}

  begin(fileName: string, sizeChars: number): { uploadId: string; chunkChars: number } {
    if (sizeChars > UPLOAD_MAX_CHARS) throw new ServiceError('bad-input', `${fileName} is too large to upload (${sizeChars} characters; at most ${UPLOAD_MAX_CHARS})`);
    this.sweep();
    while (this.uploads.size >= this.maxUploads) this.uploads.delete(this.uploads.keys().next().value!);
    const uploadId = randomUUID();
    this.uploads.set(uploadId, { fileName, sizeChars, chunks: [], receivedChars: 0, touchedMs: Date.now() });
    return { uploadId, chunkChars: UPLOAD_CHUNK_CHARS };
  }

  chunk(uploadId: string, seq: number, text: string): { receivedChars: number } {
    const upload = this.get(uploadId);
    if (seq !== upload.chunks.length) throw new ServiceError('invalid-request', `upload chunk ${seq} out of order (expected ${upload.chunks.length})`);
    if (upload.receivedChars + text.length > upload.sizeChars) throw new ServiceError('invalid-request', `upload of ${upload.fileName} is longer than announced`);
    upload.chunks.push(text);
    upload.receivedChars += text.length;
    upload.touchedMs = Date.now();
    return { receivedChars: upload.receivedChars };
  }

  /** Removes the upload and returns its file name and whole text. */
  take(uploadId: string): { fileName: string; text: string } {
    const upload = this.get(uploadId);
    this.uploads.delete(uploadId);
    if (upload.receivedChars !== upload.sizeChars) {
      throw new ServiceError('invalid-request', `upload of ${upload.fileName} is incomplete (${upload.receivedChars} of ${upload.sizeChars} characters)`);
    }
    return { fileName: upload.fileName, text: upload.chunks.join('') };
  }

  abort(uploadId: string): boolean {
    return this.uploads.delete(uploadId);
  }

  get size(): number {
    return this.uploads.size;
  }

  private get(uploadId: string): Upload {
    this.sweep();
    const upload = this.uploads.get(uploadId);
    if (!upload) throw new ServiceError('not-found', `no upload ${uploadId} (it may have expired)`);
    return upload;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, upload] of this.uploads) if (now - upload.touchedMs > this.idleMs) this.uploads.delete(id);
  }
}
