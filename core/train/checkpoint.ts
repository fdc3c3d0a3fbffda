/**
 * Checkpoints: after each epoch (or policy update) a phase writes its whole
 * state (weights, optimizer moments, best weights, counters, history) into a
 * fresh folder, then atomically points `<phase>.json` at it and removes the
 * older folder. A crash at any moment leaves the pointer at a complete
 * checkpoint.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { decodeWeights, encodeWeights } from '../model/io.js';
import { writeFileAtomic } from '../files/atomic.js';
import type { NamedValues } from '../model/params.js';

export const CHECKPOINT_DIR = 'checkpoints';

const PointerSchema = z.object({ folder: z.string(), epoch: z.number().int(), done: z.boolean() });

const StoredSchema = z.object({
  version: z.literal(1),
  phase: z.string(),
  epoch: z.number().int(),
  done: z.boolean(),
  /** Phase-specific counters and history (validated by the phase). */
  state: z.unknown(),
  tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()) })),
});

export interface Checkpoint<S> {
  phase: string;
  epoch: number;
  done: boolean;
  state: S;
  tensors: NamedValues[];
}

const folderName = (phase: string, epoch: number): string => `${phase}-e${String(epoch).padStart(5, '0')}`;

export async function saveCheckpoint<S>(outDir: string, checkpoint: Checkpoint<S>): Promise<string> {
  const root = path.join(outDir, CHECKPOINT_DIR);
  await fs.mkdir(root, { recursive: true });
  const pointerFile = path.join(root, `${checkpoint.phase}.json`);
  const previous = await readPointer(pointerFile);
  const folder = folderName(checkpoint.phase, checkpoint.epoch) + (checkpoint.done ? '-done' : '');
  const finalDir = path.join(root, folder);
  const tmpDir = `${finalDir}.tmp-${process.pid}`;
  await fs.rm(tmpDir, { recursive: true, force: true });
  await fs.mkdir(tmpDir);
  const { specs, data } = encodeWeights(checkpoint.tensors);
  await fs.writeFile(path.join(tmpDir, 'tensors.bin'), data);
  const stored: z.infer<typeof StoredSchema> = {
    version: 1,
    phase: checkpoint.phase,
    epoch: checkpoint.epoch,
    done: checkpoint.done,
    state: checkpoint.state,
    tensors: specs.map(({ name, shape }) => ({ name, shape })),
  };
  await fs.writeFile(path.join(tmpDir, 'state.json'), JSON.stringify(stored) + '\n');
  if (previous?.folder !== folder) await fs.rm(finalDir, { recursive: true, force: true });
  else await fs.rename(finalDir, `${finalDir}.old-${process.pid}`).catch(() => undefined);
  await fs.rename(tmpDir, finalDir);
  await writeFileAtomic(pointerFile, JSON.stringify({ folder, epoch: checkpoint.epoch, done: checkpoint.done }) + '\n');
  await fs.rm(`${finalDir}.old-${process.pid}`, { recursive: true, force: true });
  if (previous && previous.folder !== folder) await fs.rm(path.join(root, previous.folder), { recursive: true, force: true });
  return finalDir;
}

export async function loadCheckpoint(outDir: string, phase: string): Promise<Checkpoint<unknown> | undefined> {
  const root = path.join(outDir, CHECKPOINT_DIR);
  const pointer = await readPointer(path.join(root, `${phase}.json`));
  if (!pointer) return undefined;
  const dir = path.join(root, pointer.folder);
  const stateFile = path.join(dir, 'state.json');
  const parsed = StoredSchema.safeParse(JSON.parse(await fs.readFile(stateFile, 'utf8')));
  if (!parsed.success) throw new Error(`${stateFile}: not a checkpoint: ${parsed.error.issues[0]?.message ?? ''}`);
  const data = new Uint8Array(await fs.readFile(path.join(dir, 'tensors.bin')));
  return {
    phase: parsed.data.phase,
    epoch: parsed.data.epoch,
    done: parsed.data.done,
    state: parsed.data.state,
    tensors: decodeWeights(parsed.data.tensors, data, path.join(dir, 'tensors.bin')),
  };
}

/** Removes every checkpoint of the run (a fresh, non-resumed run starts clean). */
export async function clearCheckpoints(outDir: string): Promise<void> {
  await fs.rm(path.join(outDir, CHECKPOINT_DIR), { recursive: true, force: true });
}

async function readPointer(file: string): Promise<z.infer<typeof PointerSchema> | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = PointerSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: not a checkpoint pointer`);
  return parsed.data;
}

/** Splits tensors by name prefix ('params/', 'adam/', 'best/'). */
export function tensorsWithPrefix(tensors: NamedValues[], prefix: string): NamedValues[] {
  return tensors.filter((t) => t.name.startsWith(prefix)).map((t) => ({ ...t, name: t.name.slice(prefix.length) }));
}

export function prefixTensors(tensors: NamedValues[], prefix: string): NamedValues[] {
  return tensors.map((t) => ({ ...t, name: prefix + t.name }));
}
