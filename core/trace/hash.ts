import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The SHA-256 of a trace file's bytes (hex), streamed; what manifests and reports record as the trace's identity. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new Error(`cannot read trace ${path}: ${(error as Error).message}`, { cause: error });
  }
  return hash.digest('hex');
}
