/**
 * Loads every trace fixture and prints one JSON digest of what came out (jobs,
 * rejections, statistics, SWF written back). timezone.test.ts runs it under
 * different TZ values: the digest must not change.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { computeTraceStats, formatSwf, loadTraceFile } from '../index.js';

export async function traceDigest(): Promise<string> {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).filter((f) => /\.(log|txt|swf)$/.test(f)).sort()) {
    const trace = await loadTraceFile(dir + name);
    hash.update(JSON.stringify([name, trace.jobs, trace.rejected, trace.repairs, trace.notes, computeTraceStats(trace.jobs)]));
    hash.update(formatSwf(trace.jobs));
  }
  return hash.digest('hex');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const digest = await traceDigest();
  // The host's own offset on a fixed date, to show the zone really differed.
  process.stdout.write(JSON.stringify({ tz: process.env.TZ, hostOffsetMinutes: new Date(2023, 0, 1).getTimezoneOffset(), digest }) + '\n');
}
