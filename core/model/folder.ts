import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_MANIFEST_FILE } from './manifest.js';
import { WAIT_MODEL_FILE } from './wait-model.js';

/** Wait models (one JSON file) and network models (TensorFlow.js files + mirage-model.json). */
export type ModelFamily = 'wait' | 'network';

const MARKER: Record<ModelFamily, string> = { wait: WAIT_MODEL_FILE, network: MODEL_MANIFEST_FILE };
const NAME: Record<ModelFamily, string> = { wait: 'wait model', network: 'network model' };

/**
 * Refuses to train a model of one family into a folder that holds the other:
 * both would sit side by side, and `model info` and `validate --model` read
 * the wait model first, so a stale one would silently win (a wrong result
 * with exit 0). A model of the same family is overwritten file by file, as
 * `--resume` expects.
 */
export function assertModelOutDir(dir: string, family: ModelFamily): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new Error(`--out ${dir}: is a file, not a folder`);
  const other: ModelFamily = family === 'wait' ? 'network' : 'wait';
  if (existsSync(join(dir, MARKER[other]))) {
    throw new Error(
      `--out ${dir}: already holds a ${NAME[other]} (${MARKER[other]}); writing a ${NAME[family]} beside it would leave two models in one folder. ` +
        `Choose another --out, or delete ${dir} first.`,
    );
  }
}
