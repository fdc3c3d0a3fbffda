import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface ServeProcess {
  url: string;
  origin: string;
  port: number;
  token: string;
  stop(): Promise<void>;
}

/** Whether `npm run build` has produced what `mirage serve` needs. */
export function builtForServe(): boolean {
  return existsSync(`${repoRoot}dist/core/cli/main.js`) && existsSync(`${repoRoot}dist/renderer/index.html`);
}

/** Starts `node bin/mirage.js serve --port 0 [args]` as a user would and reads the URL it prints. */
export async function startServe(args: readonly string[] = []): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, ['bin/mirage.js', 'serve', '--port', '0', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`mirage serve printed no URL in 20 s; stderr: ${stderr}`)), 20_000);
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
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token')!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
