import { InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { inWords } from '../files/errors.js';
import { formatClock, parseClock, parseTimeRange } from '../trace/index.js';
import { MAX_CHAIN_JOB_MINUTES } from '../sim/config.js';

/** Option parsers and error reporting shared by the `mirage` sub-commands. */

/**
 * Whole numbers must be exact: 99999999999999999999 reads as 1e20, which is
 * "an integer" to JavaScript but not the number typed, so past 2^53 - 1 it is refused.
 */
function wholeNumber(value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max.toLocaleString('en-US')}`);
  }
  return n;
}

export function positiveInt(value: string): number {
  return wholeNumber(value, 1);
}

export function nonNegativeInt(value: string): number {
  return wholeNumber(value, 0);
}

/** Nodes of a simulated cluster: the same bound as the API's capacity (core/api/trace.ts CapacityNodesSchema). */
export const MAX_CLUSTER_NODES = 1_000_000;

export function nodesArg(value: string): number {
  return wholeNumber(value, 1, MAX_CLUSTER_NODES);
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

/** Limit (and run time) of the chain jobs, minutes: the bound every input shares (core/sim/chain.ts). */
export function jobMinutesArg(value: string): number {
  return wholeNumber(value, 1, MAX_CHAIN_JOB_MINUTES);
}

/** Successor submit times per sample: at least the predecessor's submit and end. */
export function probesArg(value: string): number {
  return wholeNumber(value, 2);
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

/**
 * Text from files and other users (job names in a trace, paths) made safe for
 * a terminal: control characters other than newline and tab, C1 controls and
 * bidirectional overrides are written as escapes (`\x1b`), so an error
 * message cannot move the cursor, recolour, retitle or hide what follows.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The one line a command prints for a failure: file-system errors in words, terminal-safe. */
export function errorLine(command: string, error: unknown): string {
  const e = inWords(error);
  return terminalSafe(`mirage ${command}: ${e instanceof Error ? e.message : String(e)}`) + '\n';
}

/** Every failure of these commands is the user's to act on: one line, exit status 1 (MIRAGE_DEBUG=1 adds the stack). */
export async function reportErrors(command: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    process.stderr.write(errorLine(command, error));
    if (process.env.MIRAGE_DEBUG && error instanceof Error) process.stderr.write(terminalSafe(`${error.stack}`) + '\n');
    process.exitCode = 1;
  }
}

/**
 * --out: a path, never empty (an empty --out would write into the working
 * folder, `./.partial` and all). Made absolute here, so every message names
 * the same path.
 */
export function outPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('a path (it is empty)');
  if (value.includes('\0')) throw new InvalidArgumentError('a path (it holds a NUL character)');
  return resolve(value);
}
