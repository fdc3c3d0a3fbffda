/**
 * Slurm time limits as sacct and the TACC dumps print them. Slurm's grammar:
 * `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`, plus the words
 * `UNLIMITED` / `INFINITE` (no limit) and `Partition_Limit` (the partition's,
 * which the accounting record does not carry).
 */

export type LimitValue =
  | { kind: 'minutes'; minutes: number }
  | { kind: 'unlimited' }
  | { kind: 'partition' }
  | { kind: 'unknown' };

const UNKNOWN_WORDS = new Set(['none', 'unknown', 'invalid', 'n/a']);

/** Parses a limit; null when the text is not one (the caller rejects the row). */
export function parseSlurmLimit(text: string): LimitValue | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { kind: 'minutes', minutes: Number(t) };
  const lower = t.toLowerCase();
  if (lower === 'unlimited' || lower === 'infinite') return { kind: 'unlimited' };
  if (lower === 'partition_limit') return { kind: 'partition' };
  if (UNKNOWN_WORDS.has(lower)) return { kind: 'unknown' };
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t);
  if (!m) return null;
  const [, dayText, a, b, c] = m;
  let seconds: number;
  if (dayText !== undefined) {
    // With days the fields are hours[:minutes[:seconds]].
    seconds = Number(dayText) * 86_400 + Number(a) * 3600 + Number(b ?? 0) * 60 + Number(c ?? 0);
    if (b !== undefined && Number(b) > 59) return null;
    if (c !== undefined && Number(c) > 59) return null;
  } else if (c !== undefined) {
    seconds = Number(a) * 3600 + Number(b) * 60 + Number(c);
    if (Number(b) > 59 || Number(c) > 59) return null;
  } else {
    // Two fields without days mean minutes:seconds in Slurm.
    seconds = Number(a) * 60 + Number(b);
    if (Number(b) > 59) return null;
  }
  // Slurm keeps limits in whole minutes and rounds seconds up.
  return { kind: 'minutes', minutes: Math.ceil(seconds / 60) };
}

/** Formats whole minutes the way sacct prints a Timelimit (`D-HH:MM:SS` or `HH:MM:SS`). */
export function formatSlurmLimit(minutes: number | null): string {
  if (minutes === null) return 'UNLIMITED';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const hms = `${String(hours).padStart(2, '0')}:${String(mins).padStart(2, '0')}:00`;
  return days > 0 ? `${days}-${hms}` : hms;
}
