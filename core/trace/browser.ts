/**
 * The part of core/trace that runs anywhere (the renderer's bundle, a
 * worker, Node): the job record, the cluster clock, Slurm time limits. No
 * file system, no Node built-ins, no imports outside these files (the
 * renderer's tsconfig lists them). index.ts re-exports it with the rest.
 * Files outside core/trace import one of the two surfaces.
 */
export type { Job, CompletedJob, SizeUnit } from './job.js';
export { isCompleted, jobSize, SIZE_UNITS } from './job.js';
export { formatClock, parseClock, tryParseClock } from './clock.js';
export { formatSlurmLimit, parseSlurmLimit } from './limits.js';
export type { LimitValue } from './limits.js';
export { unixToClock } from './zone.js';
