import type { PipelineConfig } from '../../core/pipeline/config.js';
import { tryParseClock } from '../../core/trace/clock.js';
import { formatDate } from './format.js';

/**
 * Where an experiment's samples fall on the trace's clock: the training and
 * validation windows the form shows and draws on the utilisation chart, and
 * what is worth a warning about them.
 */

export interface SampleWindow {
  kind: 'training' | 'validation';
  samples: number;
  /** First sample's start (its replay begins there). */
  startSec: number;
  /** Last sample's start. */
  lastSampleSec: number;
  /** End of the last sample's replayed workload. */
  endSec: number;
}

function windowOf(kind: SampleWindow['kind'], start: string, samples: number, chain: PipelineConfig['chain']): SampleWindow | null {
  const startSec = tryParseClock(start);
  if (startSec === null) return null;
  const lastSampleSec = startSec + Math.round((samples - 1) * chain.intervalHours * 3600);
  return { kind, samples, startSec, lastSampleSec, endSec: lastSampleSec + Math.round(chain.workloadDays * 86400) };
}

export function experimentWindows(config: PipelineConfig): { training: SampleWindow | null; validation: SampleWindow | null } {
  return {
    training: windowOf('training', config.dataset.start, config.dataset.samples, config.chain),
    validation: windowOf('validation', config.validation.start, config.validation.samples, config.chain),
  };
}

/** Things about the windows the user should know before running (none of them stops a run). */
export function windowWarnings(
  windows: { training: SampleWindow | null; validation: SampleWindow | null },
  trace: { firstSubmitSec: number | null; lastSubmitSec: number | null } | null,
): string[] {
  const out: string[] = [];
  const { training, validation } = windows;
  if (training && validation && training.endSec > validation.startSec && validation.endSec > training.startSec) {
    out.push(
      `The training window (${formatDate(training.startSec)} → ${formatDate(training.endSec)}) overlaps the validation window (${formatDate(validation.startSec)} → ${formatDate(validation.endSec)}): the model would be validated on jobs it was trained on.`,
    );
  }
  if (trace?.firstSubmitSec != null && trace.lastSubmitSec != null) {
    for (const w of [training, validation]) {
      if (!w) continue;
      if (w.startSec < trace.firstSubmitSec) out.push(`The ${w.kind} window starts on ${formatDate(w.startSec)}, before the trace's first job (${formatDate(trace.firstSubmitSec)}): its first samples replay an empty cluster.`);
      if (w.endSec > trace.lastSubmitSec) out.push(`The ${w.kind} window ends on ${formatDate(w.endSec)}, after the trace's last submission (${formatDate(trace.lastSubmitSec)}): its last samples replay a draining cluster.`);
    }
  }
  return out;
}
