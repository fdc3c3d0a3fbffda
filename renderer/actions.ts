import type { ExportKind } from '../core/api/experiment.js';
import type { MenuCommand } from '../core/api/shell.js';
import { chartPngBase64 } from './components/LossChart.js';
import type { TraceSample } from '../core/api/trace.js';
import { jobViewCsv } from './lib/job-view.js';
import { formatClockMinutes } from './lib/format.js';
import { services } from './services.js';
import { useCompareStore } from './stores/compare.js';
import { useExperimentStore } from './stores/experiment.js';
import { useJobTableStore } from './stores/job-table.js';
import { useRunsStore } from './stores/runs.js';
import { useThemeStore } from './stores/theme.js';
import { useTraceStore } from './stores/trace.js';
import { PAGES, useUiStore } from './stores/ui.js';

/** User intents that span stores and the shell: buttons, shortcuts and the native menu all call these. */

export async function openTraceWithPicker(): Promise<void> {
  const picked = await services().host.pickTraceFile();
  if (picked) await useTraceStore.getState().open(picked);
}

export async function openDroppedFile(file: File): Promise<void> {
  await useTraceStore.getState().open(services().host.pickedFromDrop(file));
}

export async function openSample(sample: Pick<TraceSample, 'name' | 'title'>): Promise<void> {
  await useTraceStore.getState().open({ kind: 'sample', name: sample.name, label: sample.title });
}

const FILTERS: Record<string, { name: string; extensions: string[] }> = {
  'text/plain': { name: 'reward.log', extensions: ['log'] },
  'text/csv': { name: 'CSV', extensions: ['csv'] },
  'application/json': { name: 'JSON', extensions: ['json'] },
  'text/markdown': { name: 'Markdown', extensions: ['md'] },
  'text/html': { name: 'HTML', extensions: ['html'] },
  'image/svg+xml': { name: 'SVG image', extensions: ['svg'] },
};

/** Saves one of a run's files (reward.log, the report, a chart...) where the user says; resolves to where, or null. */
export async function exportRunFile(runId: string, kind: ExportKind, chart?: string): Promise<string | null> {
  const file = await services().client.call('runs.export', { runId, kind, chart });
  return services().host.saveText({ suggestedName: file.fileName, text: file.text, filters: [FILTERS[file.mediaType] ?? { name: 'All files', extensions: ['*'] }] });
}

/** Saves a chart as drawn on the page, as a PNG at twice its size. */
export async function exportChartPng(testId: string, fileName: string): Promise<string | null> {
  const base64 = chartPngBase64(testId, useThemeStore.getState().chart.surface);
  if (!base64) return null;
  return services().host.saveText({ suggestedName: fileName, text: base64, encoding: 'base64', filters: [{ name: 'PNG image', extensions: ['png'] }] });
}

/** Exports what the user looks at: a run's report on the run and compare pages, the job table as CSV, else the overview as JSON. */
export async function exportCurrent(): Promise<void> {
  const page = useUiStore.getState().page;
  const runId = page === 'run' ? useRunsStore.getState().currentId : page === 'compare' ? (useCompareStore.getState().selected[0] ?? null) : null;
  if (runId) {
    await exportRunFile(runId, 'report.html');
    return;
  }
  if (page === 'experiment') {
    await useExperimentStore.getState().saveFile();
    return;
  }
  const { summary } = useTraceStore.getState();
  if (!summary) return;
  const stem = summary.fileName.replace(/\.[^.]+$/, '');
  const table = useJobTableStore.getState();
  if (useUiStore.getState().page === 'jobs' && table.columns) {
    await services().host.saveText({
      suggestedName: `${stem}-jobs.csv`,
      text: jobViewCsv(table.columns, table.view, (sec) => formatClockMinutes(sec, true)),
      filters: [{ name: 'CSV', extensions: ['csv'] }],
    });
    return;
  }
  await services().host.saveText({
    suggestedName: `${stem}-overview.json`,
    text: JSON.stringify(summary, null, 2) + '\n',
    filters: [{ name: 'JSON', extensions: ['json'] }],
  });
}

export function handleMenuCommand(command: MenuCommand): void {
  const trace = useTraceStore.getState();
  switch (command.command) {
    case 'open-trace':
      void openTraceWithPicker();
      break;
    case 'open-path':
      void trace.open({ kind: 'path', path: command.path, name: command.path.split(/[\\/]/).pop() ?? command.path });
      break;
    case 'open-recent':
      if (command.entry.kind === 'path') void trace.open({ kind: 'path', path: command.entry.path, name: command.entry.label });
      else void trace.open({ kind: 'sample', name: command.entry.name, label: command.entry.label });
      break;
    case 'open-sample': {
      const sample = trace.samples.find((s) => s.name === command.name);
      if (sample) void openSample(sample);
      break;
    }
    case 'export':
      void exportCurrent();
      break;
    case 'open-config':
      useUiStore.getState().navigate('experiment');
      void useExperimentStore.getState().loadFile();
      break;
    case 'save-config':
      void useExperimentStore.getState().saveFile();
      break;
    case 'about':
      useUiStore.getState().setAboutOpen(true);
      break;
    case 'navigate':
      if ((PAGES as readonly string[]).includes(command.page)) useUiStore.getState().navigate(command.page as (typeof PAGES)[number]);
      break;
  }
}
