import { execFile } from 'node:child_process';
import { throwIfAborted } from '../progress.js';

/** What one Slurm command printed. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when the process was killed (timeout, signal). */
  code: number | null;
}

export interface ExecOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
  cwd?: string;
}

/** Runs a program without a shell; injectable so unit tests can play slurmctld. */
export type CommandExec = (command: string, args: readonly string[], options: ExecOptions) => Promise<CommandResult>;

export const execCommand: CommandExec = (command, args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: options.env, cwd: options.cwd, timeout: options.timeoutMs, signal: options.signal, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new SlurmCommandError(`${command} not found on PATH: is this a Slurm login node?`, command, args, '', null, false));
          return;
        }
        if (error && error.name === 'AbortError') {
          reject(error);
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ stdout, stderr, code });
      },
    );
  });

export class SlurmCommandError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly args: readonly string[],
    readonly stderr: string,
    readonly code: number | null,
    /** True when slurmctld did not answer: worth trying again later. */
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'SlurmCommandError';
  }
}

// What Slurm clients print when the controller is down, restarting or overloaded.
const TRANSIENT = [
  /unable to contact slurm controller/i,
  /socket timed out/i,
  /connection refused/i,
  /connection reset/i,
  /zero bytes were transmitted/i,
  /resource temporarily unavailable/i,
  /slurmctld.*(not responding|is down)/i,
  /communication connection failure/i,
  /transport endpoint is not connected/i,
  /try again/i,
];

export function isTransientSlurmError(stderr: string, code: number | null): boolean {
  return code === null || TRANSIENT.some((re) => re.test(stderr));
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, initialDelayMs: 1000, maxDelayMs: 60_000 };
export const NO_RETRY: RetryPolicy = { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 };

export interface RunOptions {
  exec?: CommandExec;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told about every failed try that will be retried. */
  onRetry?: (error: SlurmCommandError, attempt: number, delayMs: number) => void;
}

/**
 * Runs a Slurm client command and returns its stdout. A failure that looks like
 * an unreachable controller is retried with exponential back-off; any other
 * failure throws at once with the command's own message.
 */
export async function runSlurmCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const exec = options.exec ?? execCommand;
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? abortableSleep;
  let delay = retry.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    const result = await exec(command, args, {
      env: options.env ?? process.env,
      timeoutMs: options.timeoutMs ?? 60_000,
      signal: options.signal,
      cwd: options.cwd,
    });
    if (result.code === 0) return result.stdout;
    const transient = isTransientSlurmError(result.stderr, result.code);
    const why = result.stderr.trim() || (result.code === null ? 'killed (timeout)' : `exit status ${result.code}`);
    const error = new SlurmCommandError(`${command} ${args.join(' ')}: ${why}`, command, args, result.stderr, result.code, transient);
    if (!transient || attempt >= retry.attempts) throw error;
    options.onRetry?.(error, attempt, delay);
    await sleep(delay, options.signal);
    delay = Math.min(retry.maxDelayMs, delay * 2);
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new DOMException('cancelled', 'AbortError'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new DOMException('cancelled', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
