import type { Command } from 'commander';
import { Option } from 'commander';
import { CliSlurmClient } from '../slurm/client.js';
import { importTrace } from '../slurm/trace-import.js';
import { outPath, reportErrors } from './args.js';

interface ImportFlags {
  since: string;
  until: string;
  partition?: string;
  out: string;
  accounting: 'auto' | 'slurmdbd' | 'jobcomp';
  jobcompFile?: string;
  json?: boolean;
}

/** `mirage trace import`: this cluster's accounting as a trace file; registered under `mirage trace`. */
export function registerTraceImport(trace: Command): void {
  trace
    .command('import')
    .description(
      'run sacct (--parsable2, allocations only, all users) over a time window and write a trace file the loader reads, ' +
        'then report its rejected rows. Without slurmdbd it reads the job-completion log (sacct -c) and restores the ' +
        'submit times and array task ids sacct -c loses from that log.',
    )
    .requiredOption('--since <time>', 'window start, YYYY-MM-DDTHH:MM:SS (cluster clock)')
    .requiredOption('--until <time>', 'window end, YYYY-MM-DDTHH:MM:SS (cluster clock)')
    .option('--partition <name>', 'only jobs of this partition')
    .requiredOption('--out <file>', 'trace file to write (sacct --parsable2 layout)', outPath)
    .addOption(new Option('--accounting <source>', 'auto: slurmdbd when accounting storage is on, else the job-completion log').choices(['auto', 'slurmdbd', 'jobcomp']).default('auto'))
    .option('--jobcomp-file <path>', 'job-completion log to read submit times from (default: JobCompLoc)')
    .option('--json', 'print the report as JSON')
    .action((flags: ImportFlags) => reportErrors('trace import', async () => {
      const client = new CliSlurmClient({ accounting: flags.accounting });
      const result = await importTrace(client, { since: flags.since, until: flags.until, partition: flags.partition, out: flags.out, jobcompFile: flags.jobcompFile });
      const { loaded } = result;
      const report = {
        out: flags.out,
        source: result.source,
        sacctRows: result.rowsFromSacct,
        outsideWindow: result.rowsDropped,
        submitsRestored: result.submitsRestored,
        jobs: loaded.jobs.length,
        /** Jobs with a GPU count from AllocTRES (what `--unit gpus` simulates), and the GPUs they hold in all. */
        gpuJobs: loaded.jobs.filter((j) => (j.gpus ?? 0) > 0).length,
        rejectedCount: loaded.rejectedCount,
        rejected: loaded.rejected,
        skipped: loaded.skipped,
        notes: [...result.notes, ...loaded.notes],
      };
      if (flags.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log(`${flags.out}: ${report.jobs} jobs from ${report.sacctRows} sacct rows (${result.source === 'jobcomp' ? 'sacct -c, job-completion log' : 'slurmdbd'})`);
      if (report.outsideWindow > 0) console.log(`  ${report.outsideWindow} rows outside the window or partition left out`);
      if (report.gpuJobs > 0) console.log(`  ${report.gpuJobs} jobs hold GPUs (AllocTRES gres/gpu): simulate them in GPUs with --unit gpus`);
      if (report.submitsRestored > 0) console.log(`  ${report.submitsRestored} submit times restored from the job-completion log`);
      console.log(`  rejected ${report.rejectedCount}`);
      for (const row of loaded.rejected.slice(0, 20)) console.log(`  rejected ${row.file}:${row.line}: ${row.reason}`);
      if (report.rejectedCount > 20) console.log(`  ... ${report.rejectedCount - 20} more (see --json)`);
      for (const note of report.notes) console.log(`  note: ${note}`);
    }));
}
