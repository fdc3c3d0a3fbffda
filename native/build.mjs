#!/usr/bin/env node
// Builds the native training step (native/binding.gyp) with node-gyp against the
// Node headers npm is set to use; nothing is downloaded when they are there.
// A machine without a C++ compiler keeps training on tfjs, so a failed build
// only warns, unless MIRAGE_REQUIRE_NATIVE=1 (CI), where it fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const required = process.env.MIRAGE_REQUIRE_NATIVE === '1';

/** npm hands its own node-gyp to lifecycle scripts; otherwise the one beside this npm or in node_modules. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    join(here, '../node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c));
}

function fail(reason) {
  const message = `native training step not built (${reason}); training runs on tfjs as before`;
  if (required) {
    console.error(`error: ${message}`);
    process.exit(1);
  }
  console.warn(`warning: ${message}`);
  process.exit(0);
}

if (process.env.MIRAGE_NATIVE === 'off') {
  console.log('native training step: not built (MIRAGE_NATIVE=off)');
  process.exit(0);
}
const gyp = nodeGyp();
if (!gyp) fail('node-gyp not found');
// Outside npm, point node-gyp at the headers installed with this node (official builds ship them) instead of a download.
const prefix = join(dirname(process.execPath), '..');
const args = [gyp, 'rebuild', '--release'];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const result = spawnSync(process.execPath, args, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) {
  const lines = `${result.stdout}\n${result.stderr}`.trim().split('\n');
  const error = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? 'unknown error';
  fail(`node-gyp: ${error.trim()}`);
}
console.log('native training step built: native/build/Release/mirage_native.node');
