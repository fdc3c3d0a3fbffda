import type { ApiClient, CallOptions } from '../../core/api/client.js';
import type { TraceSource } from '../../core/api/trace.js';

/**
 * Sends a local file to the back end in chunks (a browser cannot hand over a
 * path). The file is decoded once, whole, so no multi-byte character is split
 * between chunks and the announced size (in characters) is exact; no message
 * on the wire is bigger than one chunk, and cancelling stops between chunks.
 */
export async function uploadFile(client: ApiClient, file: File, options: CallOptions = {}): Promise<TraceSource> {
  const { signal, onProgress } = options;
  const text = await file.text();
  const { uploadId, chunkChars } = await client.call('trace.uploadBegin', { fileName: file.name, sizeChars: text.length }, { signal });
  try {
    let seq = 0;
    for (let offset = 0; offset < text.length || seq === 0; offset += chunkChars) {
      const chunk = text.slice(offset, offset + chunkChars);
      await client.call('trace.uploadChunk', { uploadId, seq: seq++, text: chunk }, { signal });
      onProgress?.({ stage: 'upload', done: Math.min(offset + chunk.length, text.length), total: text.length, unit: 'chars' });
      if (text.length === 0) break;
    }
  } catch (error) {
    void client.call('trace.uploadAbort', { uploadId }).catch(() => {});
    throw error;
  }
  return { kind: 'upload', uploadId };
}
