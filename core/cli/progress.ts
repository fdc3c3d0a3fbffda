import type { Progress } from '../progress.js';
import { rateAndEta } from '../progress.js';

/** A piped or logged run prints a stage's progress at most this often (and at each quarter). */
const PLAIN_INTERVAL_MS = 10_000;
/** A terminal's bar is redrawn at most this often. */
const BAR_INTERVAL_MS = 100;

export interface ProgressOptions {
  /** One JSON line per report (`--json`), for programs reading the output. */
  json?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** The clock (tests). */
  now?: () => number;
}

/**
 * Shows progress the way the output wants it: with `--json`, one JSON line
 * per report (for programs); on a terminal, a redrawn bar; piped, logged or
 * in CI, plain text lines now and then (a stage's start, each quarter, at
 * most one every 10 s otherwise, its end), for people reading a log.
 */
export function progressReporter(options: ProgressOptions = {}): {
  report: (p: Progress) => void;
  finish: () => void;
} {
  const stream = options.stream ?? process.stderr;
  const clock = options.now ?? Date.now;
  const mode = options.json === true ? 'json' : stream.isTTY ? 'bar' : 'plain';
  const started = new Map<string, number>();
  /** Per stage: when a plain line was last printed, and the last quarter printed. */
  const printed = new Map<string, { atMs: number; quarter: number; finished: boolean }>();
  let lastDraw = 0;
  let drewBar = false;
  return {
    report(p) {
      const now = clock();
      if (!started.has(p.stage)) started.set(p.stage, now);
      const { rate, etaSec } = rateAndEta(p, started.get(p.stage)!, now);
      if (mode === 'json') {
        stream.write(JSON.stringify({ type: 'progress', ...p, rate: round(rate), etaSec: round(etaSec) }) + '\n');
        return;
      }
      if (mode === 'plain') {
        // The rate of the first instant is noise (a chunk read in a millisecond): said from a second on.
        const settled = now - started.get(p.stage)! >= 1000;
        const line = plainLine(p, settled ? rate : Number.NaN, settled ? etaSec : Number.NaN, printed.get(p.stage), now);
        if (line === null) return;
        printed.set(p.stage, { atMs: now, quarter: quarterOf(p), finished: p.total > 0 && p.done >= p.total });
        stream.write(line + '\n');
        return;
      }
      if (now - lastDraw < BAR_INTERVAL_MS && p.done < p.total) return;
      lastDraw = now;
      const width = 28;
      const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      const extra = p.detail ? ' ' + Object.entries(p.detail).map(([k, v]) => `${k} ${typeof v === 'number' ? round(v) : v}`).join(' ') : '';
      const eta = Number.isFinite(etaSec) ? `${Math.ceil(etaSec)}s left` : '';
      stream.write(`\r${p.stage} [${bar}] ${p.done}/${p.total} ${p.unit} ${round(rate)}/s ${eta}${extra}\x1b[K`);
      drewBar = true;
    },
    finish() {
      if (drewBar) stream.write('\n');
      drewBar = false;
    },
  };
}

const quarterOf = (p: Progress): number => (p.total > 0 ? Math.floor((4 * Math.min(p.done, p.total)) / p.total) : 0);

/** The plain line for this report, or null when it is too soon after the last one (a new quarter and the end always print). */
function plainLine(p: Progress, rate: number, etaSec: number, last: { atMs: number; quarter: number; finished: boolean } | undefined, now: number): string | null {
  const finished = p.total > 0 && p.done >= p.total;
  if (last) {
    if (last.finished) return null;
    const newQuarter = quarterOf(p) > last.quarter;
    if (!finished && !newQuarter && now - last.atMs < PLAIN_INTERVAL_MS) return null;
  }
  const share = p.total > 0 ? ` (${Math.floor((100 * Math.min(p.done, p.total)) / p.total)} %)` : '';
  const bytes = p.unit === 'bytes' || p.unit === 'chars';
  const mb = (n: number) => (n / (1 << 20)).toFixed(1);
  const amount = bytes ? `${mb(p.done)} of ${mb(p.total)} MB${share}` : `${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} ${p.unit}${share}`;
  const speed = Number.isFinite(rate) && rate > 0 ? (bytes ? `, ${mb(rate)} MB/s` : `, ${formatRate(rate)} ${p.unit}/s`) : '';
  const left = !finished && Number.isFinite(etaSec) && etaSec > 0 && p.done > 0 ? `, about ${formatSeconds(etaSec)} left` : '';
  return `${p.stage}: ${amount}${speed}${left}`;
}

function formatRate(rate: number): string {
  return rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

function formatSeconds(sec: number): string {
  const s = Math.ceil(sec);
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x;
}
