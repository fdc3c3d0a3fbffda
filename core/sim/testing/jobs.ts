import type { Job } from '../../trace/job.js';

/** 2023-03-01T00:00:00 on the cluster clock: a whole minute to start scenarios at. */
export const T0 = Date.UTC(2023, 2, 1) / 1000;

export interface JobSpec {
  id: string;
  nodes: number;
  /** Seconds after T0. */
  submit: number;
  /** Run time in the trace, seconds (end - start). */
  run: number;
  limitMinutes: number;
}

/** A trace job as core/trace would load it, from the few numbers a scenario cares about. */
export function traceJob(spec: JobSpec, line = 0): Job {
  const submitSec = T0 + spec.submit;
  return {
    id: spec.id,
    name: `job-${spec.id}`,
    user: 'u',
    partition: '',
    state: '',
    submitSec,
    startSec: submitSec,
    endSec: submitSec + spec.run,
    limitMinutes: spec.limitMinutes,
    nodes: spec.nodes,
    priority: null,
    line,
  };
}
