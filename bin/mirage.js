#!/usr/bin/env node
// Thin launcher: the CLI is compiled from core/ into dist/ by `npm install` (prepare).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/core/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('mirage: the CLI is not built yet; run `npm install` (or `npm run build`) in the project folder.');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
