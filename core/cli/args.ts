import { InvalidArgumentError } from 'commander';
import { formatClock, parseClock, parseTimeRange } from '../trace/index.js';

/** Option parsers and error reporting shared by the `mirage` sub-commands. */

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number >= 1');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number >= 0');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number > 0');
  return n;
}

export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('a number');
  return n;
}

/** Successor submit times per sample: at least the predecessor's submit and end. */
export function probesArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError('a whole number >= 2');
  return n;
}

/** A parser for a cluster-clock time; `exampleSec` is the time its error message shows. */
export function clockArg(exampleSec: number): (value: string) => number {
  return (value) => {
    try {
      return parseClock(value);
    } catch {
      throw new InvalidArgumentError(`a cluster time such as ${formatClock(exampleSec)}`);
    }
  };
}

/** Repeatable `from,to` option: every range, in order. */
export function rangeArg(text: string, previous: Array<{ fromSec: number; toSec: number }>): Array<{ fromSec: number; toSec: number }> {
  try {
    const { from, to } = parseTimeRange(text);
    return [...previous, { fromSec: Number(from), toSec: Number(to) }];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Repeatable option: every value, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Every failure of these commands is the user's to act on: one line, exit status 1 (MIRAGE_DEBUG=1 adds the stack). */
export async function reportErrors(command: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    process.stderr.write(`mirage ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.MIRAGE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}
