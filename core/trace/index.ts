/**
 * Job traces: read the formats sites produce (TACC/Mirage dump, sacct
 * --parsable2, SWF) into one job record, report what could not be read,
 * compute statistics, write SWF and the Mirage dump, filter by time.
 */
export type { Job, CompletedJob, SizeUnit } from './job.js';
export { isCompleted, jobSize, SIZE_UNITS } from './job.js';
export type { LoadedTrace, LoadOptions, RejectedRow, TraceAssumptions, TraceFormat, TraceRepairs, TraceSkips } from './types.js';
export { TRACE_FORMATS, TraceFormatError } from './types.js';
export { loadTraceFile, parseTraceText, parseTraceTextAsync } from './load.js';
export { TraceParser } from './parse.js';
export { formatClock, parseClock, tryParseClock } from './clock.js';
export { formatSlurmLimit, parseSlurmLimit } from './limits.js';
export type { LimitValue } from './limits.js';
export type { HistogramBin, HourlySeries, Percentiles, TraceStats, TraceStatsOptions } from './stats.js';
export { computeTraceStats, percentiles } from './stats.js';
export type { MirageDumpOptions, SwfWriteOptions } from './write.js';
export { formatMirageDump, formatSwf, mirageDumpLines, swfLines, writeMirageDump, writeSwf } from './write.js';
export type { ClockInput, JobFilter, TimeRange } from './filter.js';
export { filterJobs, JobFilterFileSchema, loadJobFilterFile, parseTimeRange } from './filter.js';
export { unixToClock } from './zone.js';
export type { Capacity, PartitionInfo } from './partitions.js';
export { describeCapacity, describePartitions, parseCapacitySpec, partitionNames, peakRunning, REFERENCE_NODES, resolveCapacity } from './partitions.js';
export { assumptionNotes } from './assumptions.js';
