// The `mirage` CLI straight from the TypeScript sources, for tests that need a real
// process (killed and restarted) or a Slurm job: `node --import tsx core/cli/testing-entry.ts ...`.
import { main } from './main.js';

await main(process.argv);
