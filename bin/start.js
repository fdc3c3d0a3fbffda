#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed, else the same
// app in the system browser through `mirage serve` (the binary cannot always be
// downloaded: CI, air-gapped machines, cluster login nodes).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const path = require('electron'); // the npm package exports the binary's path, and throws when it was never downloaded
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function run(command, args) {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // set, it would make Electron run as plain Node
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electron = electronBinary();
if (electron) {
  run(electron, ['.', ...process.argv.slice(2)]);
} else {
  console.error('Electron binary not installed (fetch it with `node node_modules/electron/install.js`): starting the browser version with `mirage serve`.');
  run(process.execPath, ['bin/mirage.js', 'serve', '--open', ...process.argv.slice(2)]);
}
