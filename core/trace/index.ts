/**
 * Job traces: read the formats sites produce (TACC/Mirage dump, sacct
 * --parsable2, SWF) into one job record, report what could not be read,
 * compute statistics, write SWF and the Mirage dump, filter by time.
 * The folder's public surface; browser.ts is the part that runs anywhere,
 * re-exported here.
 */
export * from './browser.js';
export type { LoadedTrace, LoadOptions, RejectedRow, TraceAssumptions, TraceFormat, TraceRepairs, TraceSkips } from './types.js';
export { TRACE_FORMATS, TraceFormatError } from './types.js';
export { loadTraceFile, parseTraceText, parseTraceTextAsync } from './load.js';
export { TraceParser } from './parse.js';
export type { HistogramBin, HourlySeries, Percentiles, TraceStats, TraceStatsOptions } from './stats.js';
export { computeTraceStats, percentiles } from './stats.js';
export type { MirageDumpOptions, SwfWriteOptions } from './write.js';
export { formatMirageDump, formatSwf, mirageDumpLines, swfLines, writeMirageDump, writeSwf } from './write.js';
export type { ClockInput, JobFilter, TimeRange } from './filter.js';
export { filterJobs, JobFilterFileSchema, loadJobFilterFile, parseTimeRange } from './filter.js';
export type { Capacity, PartitionInfo } from './partitions.js';
export { describeCapacity, describePartitions, parseCapacitySpec, partitionNames, peakRunning, REFERENCE_NODES, resolveCapacity } from './partitions.js';
export { assumptionNotes } from './assumptions.js';
export { sha256OfFile } from './hash.js';
