import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest's global setup: every temporary folder of the run (tests, the CLIs
 * and servers they start, the browser) goes under one folder, removed when
 * the run ends. Tests then need no clean-up of their own for a run to leave
 * nothing behind in the system's temp folder; before, each `npm test` left
 * about fifty folders there.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'mirage-test-'));
  // Workers and the processes tests spawn inherit it; os.tmpdir() reads it on every call.
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
