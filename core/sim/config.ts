import { z } from 'zod';

/** Limit and run time of both chain jobs by default (the reference's 2880 minutes). */
export const CHAIN_JOB_MINUTES = 2880;
/** The longest chain job any input may ask for: a year (limits of real clusters are days). */
export const MAX_CHAIN_JOB_MINUTES = 366 * 1440;

/**
 * Every parameter of the reference simulator's configs (`slurm_config.json`,
 * `backfill_config.json`, the 88-node default) as one validated object, with
 * the reference values as defaults. Fields the reference reads but never uses
 * are kept so a reference config file maps onto this one field for field.
 */
export const SimConfigSchema = z
  .object({
    /**
     * Size of the simulated cluster, in `unit`s: nodes (the reference's
     * default, 88; its slurm config may override it), or GPUs.
     */
    nodes: z.number().int().positive().default(88),
    /**
     * What the cluster's size and every job's size count: whole nodes (the
     * reference), or GPUs, for shared-node GPU clusters where jobs hold GPUs,
     * not nodes (sacct AllocTRES `gres/gpu`, SWF processors).
     */
    unit: z.enum(['nodes', 'gpus']).default('nodes'),

    /** Age weight: a job pending for PriorityMaxAge gains this much priority. */
    priorityWeightAge: z.number().nonnegative().default(7000),
    /** Days after which age stops mattering in Slurm (the reference keeps adding: it never caps). */
    priorityMaxAgeDays: z.number().positive().default(7),
    /** Size weight: a job asking for the whole cluster gets this much. */
    priorityWeightJobSize: z.number().nonnegative().default(100),
    /** Present in the reference config, unused by its scheduler. */
    priorityWeightFairshare: z.number().default(4000),
    /** Present in the reference config, unused by its scheduler. */
    priorityWeightPartition: z.number().default(3000),
    /** Present in the reference config, unused by its scheduler. */
    priorityWeightQos: z.number().default(4000),
    /** Present in the reference config (Slurm's `D-H` form), unused by its scheduler. */
    priorityDecayHalfLife: z.string().default('2-0'),

    /** Steps between backfill passes; the steps in between run a first-come pass. */
    bfInterval: z.number().int().positive().default(10),
    /** How far ahead the backfill timeline looks, minutes. */
    bfWindowMinutes: z.number().int().positive().default(2880),
    /** Width of one backfill timeline slot, seconds. */
    bfResolutionSec: z.number().int().positive().default(600),
    /** Pending jobs (in priority order) one backfill pass considers. */
    bfMaxJobTest: z.number().int().positive().default(3000),
    /** Present in the reference config, unused by its scheduler. */
    bfContinue: z.boolean().default(true),
    /** Present in the reference config, unused by its scheduler. */
    bfMaxTimeSec: z.number().default(600),
    /** Present in the reference config, unused by its scheduler. */
    bfJobPartCountReserve: z.number().default(100),
    /** Present in the reference config, unused by its scheduler. */
    defaultQueueDepth: z.number().default(1000),
    /** Present in the reference config, unused by its scheduler. */
    disableUserTop: z.boolean().default(true),

    /** Recent waits the `average` baseline averages (the reference's `-baseline_avg_num`). */
    waitWindow: z.number().int().positive().default(100),
    /** Minutes between two snapshots of the queue. */
    snapshotIntervalMinutes: z.number().int().positive().default(10),
    /** Snapshots in one model input (144 x 10 min = 24 h). */
    snapshotWindow: z.number().int().positive().default(144),

    /**
     * Jobs asking for more nodes than the cluster has can never start. `keep`
     * simulates them as the reference does (such a job heads the queue and
     * blocks every first-come pass); `drop` leaves them out of the workload.
     * Either way prepareWorkload reports them.
     */
    oversizedJobs: z.enum(['keep', 'drop']).default('keep'),
  })
  .strict();

export type SimConfig = z.infer<typeof SimConfigSchema>;
export type SimConfigInput = z.input<typeof SimConfigSchema>;

/** The reference configuration. */
export const DEFAULT_SIM_CONFIG: SimConfig = SimConfigSchema.parse({});

export function parseSimConfig(input: SimConfigInput = {}): SimConfig {
  return SimConfigSchema.parse(input);
}

/** Numbers derived once from a config, in the exact floating-point form the reference computes them. */
export interface SimConstants {
  nodes: number;
  /** Priority every pending job gains per one-minute step (0.69444... with the defaults). */
  ageIncrement: number;
  priorityWeightJobSize: number;
  bfInterval: number;
  bfResolutionSec: number;
  /** Slots of the backfill timeline (bf_window * 60 / bf_resolution, truncated: 288). */
  bfSlots: number;
  bfMaxJobTest: number;
  waitWindow: number;
  snapshotIntervalMinutes: number;
  snapshotWindow: number;
}

export function simConstants(config: SimConfig): SimConstants {
  const bfSlots = Math.trunc((config.bfWindowMinutes * 60) / config.bfResolutionSec);
  if (bfSlots < 1) throw new RangeError(`bfWindowMinutes (${config.bfWindowMinutes}) must cover at least one bfResolutionSec (${config.bfResolutionSec} s) slot`);
  return {
    nodes: config.nodes,
    // Same operation order as the reference: weight * step seconds / (max age days * 24 * 60 * 60).
    ageIncrement: (config.priorityWeightAge * 60) / (config.priorityMaxAgeDays * 24 * 60 * 60),
    priorityWeightJobSize: config.priorityWeightJobSize,
    bfInterval: config.bfInterval,
    bfResolutionSec: config.bfResolutionSec,
    bfSlots,
    bfMaxJobTest: config.bfMaxJobTest,
    waitWindow: config.waitWindow,
    snapshotIntervalMinutes: config.snapshotIntervalMinutes,
    snapshotWindow: config.snapshotWindow,
  };
}
