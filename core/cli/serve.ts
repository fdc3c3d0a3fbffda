import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { defaultRunsDir } from '../host/experiment.js';
import { BackendProcess } from '../host/backend-process.js';
import { startServer } from '../host/server.js';

const DEFAULT_PORT = 8765;

/** `mirage serve`: the workbench in a browser, for SSH tunnels and the e2e tests. */
export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the workbench UI and its API on 127.0.0.1 (open the printed URL; it carries an access token).\n' +
        'From a laptop: ssh -L 8765:127.0.0.1:8765 login-node, run `mirage serve` there, open the URL here.',
    )
    .option('-p, --port <n>', `port on 127.0.0.1 (0 picks a free one)`, parsePort, DEFAULT_PORT)
    .option('--open', 'open the URL in the system browser')
    .option('--renderer-dir <dir>', 'the built UI (default: dist/renderer of this install)')
    .option('--runs-dir <dir>', 'where experiments run from the UI are kept (default: ./runs if it exists, else ~/.mirage/runs)')
    .option('--token-file <file>', `where the access token is kept, so a restart reuses it and open pages reconnect (default: <runs-dir>/${TOKEN_FILE})`)
    .option('--new-token', 'make a new access token (pages opened with the old one must open the new URL)')
    .option('--stop-with-stdin', 'stop when standard input closes (for scripts and tests that start it)')
    .action(async (options: { port: number; open?: boolean; rendererDir?: string; runsDir?: string; tokenFile?: string; newToken?: boolean; stopWithStdin?: boolean }) => {
      const rendererDir = options.rendererDir ? resolve(options.rendererDir) : findRendererDir();
      if (!rendererDir || !existsSync(join(rendererDir, 'index.html'))) {
        console.error('mirage serve: the UI is not built (dist/renderer/index.html is missing); run `npm run build` first.');
        process.exitCode = 1;
        return;
      }
      const runsDir = resolve(options.runsDir ?? defaultRunsDir(process.cwd(), homedir()));
      const log = process.env.MIRAGE_SERVE_LOG ? (m: string) => console.error(`[serve] ${m}`) : undefined;
      // The pages' sockets and the work (parsing, runs) live in a child process: its crash or its memory is not the server's.
      let backend: BackendProcess;
      try {
        backend = await BackendProcess.start({ backend: { runsDir }, recycleAfterMs: recycleAfterMs(), log: (m) => console.error(m) });
      } catch (error) {
        console.error(`mirage serve: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
        return;
      }
      const tokenFile = resolve(options.tokenFile ?? join(runsDir, TOKEN_FILE));
      let token: string;
      try {
        token = await keptToken(tokenFile, options.newToken === true);
      } catch (error) {
        // Serving matters more than keeping the token: this once, a token that a restart will not reuse.
        token = randomBytes(24).toString('hex');
        console.error(
          `mirage serve: cannot keep the access token in ${tokenFile} (${error instanceof Error ? error.message : String(error)}); ` +
            'after a restart, open pages must open the new URL.',
        );
      }
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer({
          port: options.port,
          token,
          rendererDir,
          upgrade: (request, socket, head) => backend.upgrade(request, socket, head),
          log,
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        console.error(
          code === 'EADDRINUSE'
            ? `mirage serve: port ${options.port} on 127.0.0.1 is in use (another mirage serve?); stop it, or pick another with --port.`
            : `mirage serve: cannot listen on 127.0.0.1:${options.port}: ${error instanceof Error ? error.message : String(error)}`,
        );
        await backend.stop();
        process.exitCode = 1;
        return;
      }
      // The URL first, alone on its line: scripts and tests read it from there.
      console.log(server.url);
      console.error(
        `Mirage Workbench is served on 127.0.0.1:${server.port} only. Open the URL above (keep the token private).\n` +
          `Over SSH: ssh -L ${server.port}:127.0.0.1:${server.port} <login-node>, then open the same URL on your machine. Ctrl-C stops.\n` +
          `Experiments are kept in ${runsDir}; the access token in ${tokenFile} (started again on the same port, open pages reconnect).`,
      );
      if (options.open) openInBrowser(server.url);
      // A running experiment is stopped as an interruption: `mirage serve` started again offers to resume it.
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        // Pages first (no new work arrives), then the back end saves what runs and exits.
        void server
          .close()
          .then(() => backend.stop())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (options.stopWithStdin) {
        process.stdin.once('close', stop);
        process.stdin.once('end', stop);
        process.stdin.resume();
      }
    });
}

const TOKEN_FILE = '.serve-token';

/**
 * How long the back end sits idle with no page before it is replaced by a
 * fresh one (MIRAGE_SERVE_RECYCLE_MS; 0: never). A minute: long enough that a
 * page reloading or a script between two calls keeps it, short enough that a
 * server left running gives back what a burst of work grew.
 */
function recycleAfterMs(): number {
  const value = process.env.MIRAGE_SERVE_RECYCLE_MS;
  if (value === undefined || value === '') return 60_000;
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new InvalidArgumentError(`MIRAGE_SERVE_RECYCLE_MS must be a whole number of milliseconds (got ${JSON.stringify(value)})`);
  return ms;
}

/**
 * The access token of the last `mirage serve` on this runs folder, or a new
 * one (written 0600, atomically): a restart keeps the token, so pages opened
 * before reconnect by themselves instead of being refused.
 */
async function keptToken(file: string, fresh: boolean): Promise<string> {
  if (!fresh) {
    try {
      const kept = (await readFile(file, 'utf8')).trim();
      if (/^[0-9a-f]{32,128}$/.test(kept)) return kept;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const token = randomBytes(24).toString('hex');
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, token + '\n', { mode: 0o600 });
  await rename(temp, file);
  return token;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port number (0-65535)');
  return port;
}

/** dist/renderer, found by walking up from this module (dist/core/cli or core/cli). */
function findRendererDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'dist', 'renderer');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  return null;
}

/** Best effort: a login node has no browser, and that is fine. */
export function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener on this machine
  }
}
