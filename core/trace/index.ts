/**
 * Job traces: read the formats sites produce (TACC/Mirage dump, sacct
 * --parsable2, SWF) into one job record, report what could not be read,
 * compute statistics, write SWF and the Mirage dump, filter by time.
 */
export type { Job, CompletedJob } from './job.js';
export { isCompleted } from './job.js';
export type { LoadedTrace, LoadOptions, RejectedRow, TraceFormat, TraceRepairs, TraceSkips } from './types.js';
export { TRACE_FORMATS, TraceFormatError } from './types.js';
export { loadTraceFile, parseTraceText } from './load.js';
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
