import { daysFromCivil } from './clock.js';

const BUCKET_SEC = 900;

/**
 * A function from Unix seconds to the cluster clock (wall-clock seconds in
 * `timeZone`, encoded as if UTC). Uses the tz database Node carries, never the
 * host's zone. Offsets are cached per quarter hour because zone transitions
 * fall on quarter hours; a quarter hour that holds one is computed exactly.
 * Throws a RangeError for a zone name the tz database does not know.
 */
export function unixToClock(timeZone: string): (unixSec: number) => number {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsetAt = (unixSec: number): number => {
    const parts: Record<string, number> = {};
    for (const p of fmt.formatToParts(unixSec * 1000)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const clock = daysFromCivil(parts.year, parts.month, parts.day) * 86_400 + parts.hour * 3600 + parts.minute * 60 + parts.second;
    return clock - Math.floor(unixSec);
  };
  // null: the offset changes inside this quarter hour.
  const cache = new Map<number, number | null>();
  return (unixSec) => {
    const bucket = Math.floor(unixSec / BUCKET_SEC);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      const first = offsetAt(bucket * BUCKET_SEC);
      offset = first === offsetAt(bucket * BUCKET_SEC + BUCKET_SEC - 1) ? first : null;
      cache.set(bucket, offset);
    }
    return unixSec + (offset ?? offsetAt(unixSec));
  };
}
