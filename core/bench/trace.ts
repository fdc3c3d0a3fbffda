import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatClock } from '../trace/index.js';
import { computeTraceStats } from '../trace/index.js';
import { loadTraceFile } from '../trace/index.js';
import { writeSwf } from '../trace/index.js';

/**
 * Trace loading speed: the bundled LS6 trace, and a synthetic TAB dump of
 * MIRAGE_BENCH_TRACE_ROWS rows (default 1,000,000) written to a temporary
 * folder; median of 3 loads each, beside the reference's parser
 * (SimParser.parse_job on LS6 in its space-separated layout: 0.61 s, about
 * 40,500 rows/s, Python 3.11, measured on our 2-core machine).
 */

const REFERENCE_ROWS_PER_SEC = 40_500;
const REPEATS = 3;

function bundledTrace(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'assets', 'traces', 'ls6-a100.log');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** LS6-like rows: mostly 1-node jobs, limits up to 48 h, some running past their limit. */
async function writeSyntheticDump(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const t0 = Date.UTC(2022, 9, 5) / 1000;
  const limits = [30, 60, 120, 240, 720, 1440, 2880];
  let batch = '       JobID    JobName    UID               Start              Submit                 End   Priority TimelimitR ExitCode   NNodes\n';
  batch += '------------ ---------- ------ ------------------- ------------------- ------------------- ---------- ---------- -------- --------\n';
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  for (let i = 0; i < rows; i++) {
    const submit = t0 + Math.floor(i * 20 + rand() * 20);
    const start = submit + Math.floor(rand() * rand() * 36_000);
    const limit = limits[Math.floor(rand() * limits.length)];
    const end = start + Math.floor(rand() * limit * 66);
    const nodes = rand() < 0.8 ? 1 : 1 + Math.floor(rand() * 16);
    batch += `${1_000_000 + i}\tjob${i % 977}\t${String(i % 400).padStart(5, '0')}\t${formatClock(start)}\t${formatClock(submit)}\t${formatClock(end)}\t${1000 + (i % 500)}\t${limit}\t0:0\t${nodes}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      batch = '';
    }
  }
  await new Promise<void>((resolve, reject) => out.end(batch, () => resolve()).once('error', reject));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeLoads(path: string): Promise<{ seconds: number; rows: number; jobs: number }> {
  const times: number[] = [];
  let rows = 0;
  let jobs = 0;
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    const trace = await loadTraceFile(path);
    times.push((performance.now() - started) / 1000);
    rows = trace.rows;
    jobs = trace.jobs.length;
  }
  return { seconds: median(times), rows, jobs };
}

export async function runTraceBench(): Promise<void> {
  const rows = Number(process.env.MIRAGE_BENCH_TRACE_ROWS ?? 1_000_000);
  console.log(`\n## trace loading (median of ${REPEATS}; reference parser: ${REFERENCE_ROWS_PER_SEC.toLocaleString('en-US')} rows/s on LS6)`);
  console.log('| trace | rows | MB | load s | rows/s | x reference |');
  console.log('|---|---|---|---|---|---|');
  const line = (name: string, r: { seconds: number; rows: number }, bytes: number): void => {
    const rate = r.rows / r.seconds;
    console.log(`| ${name} | ${r.rows.toLocaleString('en-US')} | ${(bytes / 1e6).toFixed(1)} | ${r.seconds.toFixed(3)} | ${Math.round(rate).toLocaleString('en-US')} | ${(rate / REFERENCE_ROWS_PER_SEC).toFixed(1)} |`);
  };
  const ls6 = bundledTrace();
  if (ls6) line('LS6 A100 (bundled)', await timeLoads(ls6), (await stat(ls6)).size);

  const dir = await mkdtemp(join(tmpdir(), 'mirage-trace-bench-'));
  try {
    const path = join(dir, 'synthetic.log');
    await writeSyntheticDump(path, rows);
    const size = (await stat(path)).size;
    line(`synthetic TAB dump`, await timeLoads(path), size);
    // With --expose-gc the heap figures are exact; without, they include garbage not yet collected.
    const gc = (globalThis as { gc?: () => void }).gc;
    const settle = async (): Promise<void> => {
      // Streams let go of their last chunks a tick after the load resolves.
      await new Promise((resolve) => setImmediate(resolve));
      gc?.();
    };
    await settle();
    const heapBefore = process.memoryUsage().heapUsed;
    const trace = await loadTraceFile(path);
    await settle();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    console.log(
      `\nheap held by ${trace.jobs.length.toLocaleString('en-US')} loaded jobs: ${gc ? '' : 'at most '}${heapMb.toFixed(0)} MB ` +
        `(${((heapMb * 1e6) / trace.jobs.length).toFixed(0)} bytes a job; the ${(size / 1e6).toFixed(0)} MB file text is never held)`,
    );
    let started = performance.now();
    const stats = computeTraceStats(trace.jobs);
    console.log(`stats (${stats.hourly.hours.toLocaleString('en-US')} hours): ${((performance.now() - started) / 1000).toFixed(3)} s`);
    started = performance.now();
    await writeSwf(trace.jobs, join(dir, 'synthetic.swf'));
    console.log(`write SWF: ${((performance.now() - started) / 1000).toFixed(3)} s`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
