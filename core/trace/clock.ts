/**
 * The cluster clock: `YYYY-MM-DDTHH:MM:SS` wall-clock times with no zone, held
 * as whole seconds "as if UTC". Pure integer arithmetic (no Date, no host zone),
 * which also keeps parsing fast enough for multi-million-row traces.
 */

const SECONDS_PER_DAY = 86_400;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Reads `n` ASCII digits at `at`, or -1 when any is not a digit. */
function digits(text: string, at: number, n: number): number {
  let value = 0;
  for (let i = at; i < at + n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/**
 * Parses `YYYY-MM-DDTHH:MM:SS` (also with a space instead of `T`, or a bare
 * `YYYY-MM-DD` for midnight) into cluster-clock seconds; null when the text is
 * not such a time or names an impossible date.
 */
export function tryParseClock(text: string): number | null {
  const len = text.length;
  if (len !== 19 && len !== 10) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  let secOfDay = 0;
  if (len === 19) {
    const sep = text.charCodeAt(10);
    if ((sep !== 84 && sep !== 32) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
    secOfDay = hour * 3600 + minute * 60 + second;
  }
  return daysFromCivil(year, month, day) * SECONDS_PER_DAY + secOfDay;
}

/** Like tryParseClock, but throws a RangeError naming the text (for options and config). */
export function parseClock(text: string): number {
  const sec = tryParseClock(text.trim());
  if (sec === null) throw new RangeError(`not a cluster time: '${text}' (expected YYYY-MM-DDTHH:MM:SS)`);
  return sec;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Formats cluster-clock seconds as `YYYY-MM-DDTHH:MM:SS` (`separator` ' ' for reward.log style). */
export function formatClock(sec: number, separator: 'T' | ' ' = 'T'): string {
  const whole = Math.floor(sec);
  const days = Math.floor(whole / SECONDS_PER_DAY);
  let rest = whole - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const minute = Math.floor(rest / 60);
  const second = rest - minute * 60;
  const yyyy = year >= 0 && year < 10_000 ? String(year).padStart(4, '0') : String(year);
  return `${yyyy}-${pad2(month)}-${pad2(day)}${separator}${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
}
