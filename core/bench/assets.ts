import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled trace, found from this module whether it runs from core/bench or dist/core/bench. */
export function bundledTrace(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'assets', 'traces', 'ls6-a100.log');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('bundled trace assets/traces/ls6-a100.log not found');
}
