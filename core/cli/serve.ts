import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { defaultRunsDir } from '../host/experiment.js';
import { createMirageService } from '../host/service.js';
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
    .action(async (options: { port: number; open?: boolean; rendererDir?: string; runsDir?: string }) => {
      const rendererDir = options.rendererDir ? resolve(options.rendererDir) : findRendererDir();
      if (!rendererDir || !existsSync(join(rendererDir, 'index.html'))) {
        console.error('mirage serve: the UI is not built (dist/renderer/index.html is missing); run `npm run build` first.');
        process.exitCode = 1;
        return;
      }
      const runsDir = resolve(options.runsDir ?? defaultRunsDir(process.cwd(), homedir()));
      const log = process.env.MIRAGE_SERVE_LOG ? (m: string) => console.error(`[serve] ${m}`) : undefined;
      const service = createMirageService({ backend: 'serve', canReadPaths: false, runsDir, log: (m) => console.error(m) });
      const server = await startServer({
        port: options.port,
        rendererDir,
        handlers: service.handlers,
        events: service.events,
        log,
      });
      // The URL first, alone on its line: scripts and tests read it from there.
      console.log(server.url);
      console.error(
        `Mirage Workbench is served on 127.0.0.1:${server.port} only. Open the URL above (keep the token private).\n` +
          `Over SSH: ssh -L ${server.port}:127.0.0.1:${server.port} <login-node>, then open the same URL on your machine. Ctrl-C stops.\n` +
          `Experiments are kept in ${runsDir}.`,
      );
      if (options.open) openInBrowser(server.url);
      // A running experiment is stopped as an interruption: `mirage serve` started again offers to resume it.
      const stop = () => {
        void service
          .shutdown()
          .then(() => server.close())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
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
