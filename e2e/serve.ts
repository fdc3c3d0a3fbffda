import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_TIMEOUTS } from '../core/testing/timeouts.js';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface ServeProcess {
  url: string;
  origin: string;
  port: number;
  token: string;
  pid: number;
  /** The pid of its back-end process now (it changes when the back end is restarted or replaced). */
  backendPid(): number;
  stop(): Promise<void>;
}

/** Whether `npm run build` has produced what `mirage serve` needs. */
export function builtForServe(): boolean {
  return existsSync(`${repoRoot}dist/core/cli/main.js`) && existsSync(`${repoRoot}dist/renderer/index.html`);
}

/** Every `mirage serve` this test process started and has not seen exit. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * A test stops what it starts, also when it fails or times out: each server
 * is started with `--stop-with-stdin` (it exits when this process's end of
 * the pipe closes, even if this process is killed), and is killed when this
 * process exits.
 */
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/** Stops a server: SIGTERM (it saves running experiments as interrupted), SIGKILL if it has not exited after a while. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), TEST_TIMEOUTS.wait);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Stops every server this process started (an afterAll's safety net). */
export async function stopAllServes(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

/** Starts `node bin/mirage.js serve --port 0 [args]` as a user would and reads the URL it prints. */
export async function startServe(args: readonly string[] = [], options: { port?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, ['bin/mirage.js', 'serve', '--port', String(options.port ?? 0), '--stop-with-stdin', ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  track(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`mirage serve printed no URL in ${TEST_TIMEOUTS.serveStart / 1000} s; stderr: ${stderr}`)), TEST_TIMEOUTS.serveStart);
      child.stdout!.on('data', (d) => {
        out += String(d);
        const match = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/m.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mirage serve exited (${code}) before printing a URL; stderr: ${stderr}`));
      });
    });
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token')!,
    pid: child.pid!,
    backendPid: () => {
      const line = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' })
        .split('\n')
        .find((l) => l.includes('backend-entry'));
      if (!line) throw new Error(`mirage serve (pid ${child.pid}) has no back-end process now`);
      return Number.parseInt(line.trim(), 10);
    },
    stop: () => stopChild(child),
  };
}

/** Runs `node bin/mirage.js ARGS` to its end (killed with this process if it is still running then); rejects on a non-zero exit with its stderr. */
export function runMirage(args: readonly string[]): Promise<void> {
  const child = spawn(process.execPath, ['bin/mirage.js', ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  return new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mirage ${args[0]} exited ${code}: ${stderr}`))));
  });
}
