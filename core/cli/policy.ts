import type { Command } from 'commander';
import { loadPolicyBundle } from '../policy/index.js';
import { formatPolicyInfo, provisionCommand } from '../policy/index.js';
import { reportErrors } from './args.js';

/** `mirage policy info`: what a policy bundle is and how it scored. */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('policy bundles: a validated model with its submit rule, as `mirage run` writes them to OUT/policy');
  policy
    .command('info')
    .description('print what a bundle holds (model, submit rule, the cluster it was made for) and how it scored in validation')
    .argument('<dir>', 'the bundle folder (OUT/policy of a `mirage run`)')
    .option('--json', 'the manifest as JSON, plus the bundle path and the provision command')
    .action((dir: string, flags: { json?: boolean }) =>
      reportErrors('policy info', async () => {
        const bundle = await loadPolicyBundle(dir);
        if (flags.json) process.stdout.write(JSON.stringify({ dir: bundle.dir, provisionCommand: provisionCommand(bundle.dir), manifest: bundle.manifest }) + '\n');
        else process.stdout.write(formatPolicyInfo(bundle));
      }),
    );
}
