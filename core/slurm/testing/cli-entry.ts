// The `mirage` CLI straight from the TypeScript sources, for tests that need a real
// process (killed and restarted) or a Slurm job: `node --import tsx core/slurm/testing/cli-entry.ts ...`.
import { main } from '../../cli/main.js';

await main(process.argv);
