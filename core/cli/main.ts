import { Command } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { registerChainCommands } from './chain.js';
import { registerDatasetCommands } from './dataset.js';
import { registerEvaluateCommands } from './evaluate.js';
import { registerPolicyCommands } from './policy.js';
import { registerServeCommands } from './serve.js';
import { registerSlurmCommands } from './slurm.js';
import { registerTraceCommands } from './trace.js';
import { registerRunCommands } from './run.js';
import { registerTrainCommands } from './train.js';
import { registerValidateCommands } from './validate.js';

/** Builds the `mirage` command line; each capability registers its own sub-commands. */
export function buildProgram(): Command {
  const program = new Command('mirage')
    .description(
      'Mirage Workbench: learn when to submit the next job of a service chain on a batch cluster.\n' +
        'Replay a Slurm trace, generate training data, train, validate against baselines.',
    )
    .version(TOOL_VERSION, '-V, --version', 'print the version')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  registerServeCommands(program);
  registerTraceCommands(program);
  registerSlurmCommands(program, buildProgram);
  registerTrainCommands(program);
  registerValidateCommands(program);
  registerRunCommands(program);
  registerEvaluateCommands(program);
  registerDatasetCommands(program);
  registerChainCommands(program);
  registerPolicyCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
