/** Display formats. Trace times are cluster-local clock seconds encoded as UTC, shown as logged (no time zone). */
import { formatClock } from '../../core/trace/browser.js';

const intFormat = new Intl.NumberFormat('en-US');

export function formatInt(n: number): string {
  return intFormat.format(Math.round(n));
}

export function formatNumber(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Always `digits` decimals (0.180 beside 0.177, not 0.18): columns of one quantity line up and read alike. */
export function formatFixed(n: number, digits: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatPercent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)} %`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * `2022-10-05 11:52` (to the minute, for tables and labels) or with seconds;
 * '' for none. The clock text itself is core's formatClock (core/trace/clock.ts,
 * the one writer of trace times); this only shortens it for the screen.
 */
export function formatClockMinutes(sec: number | null, withSeconds = false): string {
  if (sec === null) return '';
  const full = formatClock(sec, ' ');
  return withSeconds ? full : full.slice(0, -':ss'.length);
}

/** `2022-10-05`: the day of core's formatClock. */
export function formatDate(sec: number | null): string {
  if (sec === null) return '';
  return formatClock(sec, ' ').split(' ')[0];
}

/** Compact duration: `45 s`, `12 m`, `3 h 05 m`, `2 d 4 h`. */
export function formatDuration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** Time limit in minutes as Slurm users read it: `48 h`, `1 h 30 m`, `unlimited`. */
export function formatLimit(minutes: number | null): string {
  if (minutes === null) return 'unlimited';
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  if (minutes < 60) return `${minutes} m`;
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} m`;
}

/** Tight duration for secondary text: `25s`, `12m`, `11h54m`, `1d2h`. */
export function formatDurationCompact(sec: number | null): string {
  return formatDuration(sec).replace(/ (?=[smhd]\b)/g, '').replace(/ /g, '');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1 << 20) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1 << 30) return `${(bytes / (1 << 20)).toFixed(1)} MB`;
  return `${(bytes / (1 << 30)).toFixed(2)} GB`;
}

/** Progress amount in its unit: bytes as MB, everything else as a count. */
export function formatAmount(n: number, unit: string): string {
  if (unit === 'bytes' || unit === 'chars') return formatBytes(n);
  return `${formatInt(n)} ${unit}`;
}
