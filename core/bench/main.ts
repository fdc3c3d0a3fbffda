/**
 * `npm run bench`: runs every benchmark module in turn and prints its table.
 * Name some to run only those: `node dist/core/bench/main.js trace`.
 * Each module adds one line to BENCHES.
 */
import { runTraceBench } from './trace.js';

const BENCHES: Record<string, () => Promise<void>> = {
  trace: runTraceBench,
  dataset: () => import('./dataset.js').then((m) => m.runDatasetBench()),
  model: () => import('./model.js').then((m) => m.runModelBench()),
  validate: () => import('./validate.js').then((m) => m.runValidateBench()),
  sim: () => import('./sim.js').then((m) => m.runSimBench()),
  memory: () => import('./memory.js').then((m) => m.runMemoryBench()),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
