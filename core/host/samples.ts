import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceSample } from '../api/trace.js';

interface SampleSpec extends Omit<TraceSample, 'sizeBytes'> {
  /** File under assets/traces/. */
  file: string;
}

/** The traces bundled with the app, one click away in the UI. */
const SAMPLES: SampleSpec[] = [
  {
    name: 'ls6-a100',
    file: 'ls6-a100.log',
    fileName: 'ls6-a100.log',
    title: 'Lonestar6 A100',
    description: 'TACC Lonestar6 A100 GPU partition, Oct 2022 to Mar 2023: 24,776 jobs on 88 nodes.',
    attribution: "Texas Advanced Computing Center, from the Mirage project (SC'23), CC BY 4.0",
    capacityNodes: 88,
  },
];

/**
 * The folder holding assets/ (the repository, or the packaged app): found by
 * walking up from this module, so it works from core/host (tests, tsx),
 * dist/core/host (CLI) and inside an Electron asar alike.
 */
export function findAssetsDir(from = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'assets', 'traces');
    if (existsSync(candidate)) return join(dir, 'assets');
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export interface ResolvedSample extends TraceSample {
  path: string;
}

export function listSamples(assetsDir: string | null): ResolvedSample[] {
  if (!assetsDir) return [];
  const found: ResolvedSample[] = [];
  for (const { file, ...spec } of SAMPLES) {
    const path = join(assetsDir, 'traces', file);
    if (!existsSync(path)) continue;
    found.push({ ...spec, sizeBytes: statSync(path).size, path });
  }
  return found;
}

const hashes = new Map<string, string>();

/** sha256 of a sample's bytes (computed once): an uploaded copy of a sample is recognised by it. */
export function sampleSha256(sample: ResolvedSample): string {
  let hash = hashes.get(sample.path);
  if (!hash) {
    hash = createHash('sha256').update(readFileSync(sample.path)).digest('hex');
    hashes.set(sample.path, hash);
  }
  return hash;
}
