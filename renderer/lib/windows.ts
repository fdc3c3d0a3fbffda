import type { PipelineConfig, SampleWindow } from '../../core/pipeline/browser.js';
import { overlappingWindows, sampleWindow, trimmedTrainingNote } from '../../core/pipeline/browser.js';
import { formatDate } from './format.js';

/**
 * Where an experiment's samples fall on the trace's clock, as core computes
 * them (core/pipeline/config.ts sampleWindow): the windows the form shows and
 * draws on the utilisation chart, and what the run will say about them.
 */

export type { SampleWindow };

/** A window, or null while the form holds a start that is not a clock time. */
function windowOrNull(config: PipelineConfig, kind: SampleWindow['kind']): SampleWindow | null {
  try {
    return sampleWindow(config, kind);
  } catch {
    return null;
  }
}

export function experimentWindows(config: PipelineConfig): { training: SampleWindow | null; validation: SampleWindow | null } {
  return { training: windowOrNull(config, 'training'), validation: windowOrNull(config, 'validation') };
}

/**
 * What the user should know before running: the run's refusal of overlapping
 * windows and its trimming of the training period (core's own words), and
 * windows that leave the trace.
 */
export function windowWarnings(
  config: PipelineConfig,
  windows: { training: SampleWindow | null; validation: SampleWindow | null },
  trace: { firstSubmitSec: number | null; lastSubmitSec: number | null } | null,
): string[] {
  const out: string[] = [];
  const { training, validation } = windows;
  if (training && validation) {
    const overlap = overlappingWindows(config);
    if (overlap) out.push(`The run will be refused: ${overlap}.`);
    const trimmed = trimmedTrainingNote(config);
    if (trimmed) out.push(`The run will say: ${trimmed}.`);
  }
  if (trace?.firstSubmitSec != null && trace.lastSubmitSec != null) {
    for (const w of [training, validation]) {
      if (!w) continue;
      if (w.fromSec < trace.firstSubmitSec) out.push(`The ${w.kind} window starts on ${formatDate(w.fromSec)}, before the trace's first job (${formatDate(trace.firstSubmitSec)}): its first samples replay an empty cluster.`);
      if (w.toSec > trace.lastSubmitSec) out.push(`The ${w.kind} window ends on ${formatDate(w.toSec)}, after the trace's last submission (${formatDate(trace.lastSubmitSec)}): its last samples replay a draining cluster.`);
    }
  }
  return out;
}
