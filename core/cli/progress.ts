import type { Progress } from '../progress.js';
import { rateAndEta } from '../progress.js';

/**
 * Shows progress the way the output wants it: a redrawn bar on a terminal,
 * one JSON line per report otherwise (logs, pipes, job arrays).
 */
export function progressReporter(options: { json?: boolean; stream?: NodeJS.WriteStream } = {}): {
  report: (p: Progress) => void;
  finish: () => void;
} {
  const stream = options.stream ?? process.stderr;
  const json = options.json ?? !stream.isTTY;
  const started = new Map<string, number>();
  let lastDraw = 0;
  let drewBar = false;
  return {
    report(p) {
      const now = Date.now();
      if (!started.has(p.stage)) started.set(p.stage, now);
      const { rate, etaSec } = rateAndEta(p, started.get(p.stage)!, now);
      if (json) {
        stream.write(JSON.stringify({ type: 'progress', ...p, rate: round(rate), etaSec: round(etaSec) }) + '\n');
        return;
      }
      if (now - lastDraw < 100 && p.done < p.total) return;
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

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x;
}
