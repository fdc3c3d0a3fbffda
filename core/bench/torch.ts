/**
 * PyTorch's side of the training-step comparison: finds a python3 that can
 * import torch and runs core/bench/torch_compare.py on a network spec. Never
 * needed by the tests; without torch the bench says so and goes on.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TransformerSpec } from '../model/spec.js';

const run = promisify(execFile);

/** The comparison script, next to this file's source (this module runs from dist/core/bench or core/bench). */
export function torchScript(): string | undefined {
  for (const relative of ['./torch_compare.py', '../../../core/bench/torch_compare.py']) {
    const candidate = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A python that imports torch: $MIRAGE_TORCH_PYTHON, else python3 on the
 * PATH, else Debian's /usr/bin/python3 (python3-torch installs there, and a
 * pyenv python3 on the PATH does not see it). Undefined, with the reasons, when none does.
 */
export async function findTorchPython(): Promise<{ python?: string; version?: string; tried: string[] }> {
  const candidates = [process.env.MIRAGE_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  const tried: string[] = [];
  for (const python of [...new Set(candidates)]) {
    try {
      const { stdout } = await run(python, ['-c', 'import torch; print(torch.__version__)'], { timeout: 60_000 });
      return { python, version: stdout.trim(), tried };
    } catch (err) {
      tried.push(`${python}: ${(err as { code?: string }).code === 'ENOENT' ? 'not found' : 'no torch'}`);
    }
  }
  return { tried };
}

export interface TorchStep {
  threads: number;
  medianMs: number;
  torchVersion: string;
  /** Process CPU time over wall time during the steps: the cores a step kept busy. */
  cpuPerWall: number;
}

/** Median ms per training step (batch, MSE, Adam) for each thread count; throws with the script's words on failure. */
export async function torchStepMs(python: string, spec: TransformerSpec, options: { batch: number; steps: number; threads: number[] }): Promise<TorchStep[]> {
  const script = torchScript();
  if (!script) throw new Error('core/bench/torch_compare.py not found');
  const request = JSON.stringify({ spec, batch: options.batch, steps: options.steps, warmup: 1, threads: options.threads });
  let stdout: string;
  try {
    ({ stdout } = await run(python, [script, request], { timeout: 30 * 60_000, maxBuffer: 1 << 20 }));
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? '';
    throw new Error(`torch_compare.py failed: ${out.trim().split('\n').at(-1) ?? (err as Error).message}`, { cause: err });
  }
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { threads: number; medianMs: number; torch: string; cpuPerWall: number })
    .map((r) => ({ threads: r.threads, medianMs: r.medianMs, torchVersion: r.torch, cpuPerWall: r.cpuPerWall }));
}
