import type { MenuCommand } from '../core/api/shell.js';
import type { TraceSample } from '../core/api/trace.js';
import { jobViewCsv } from './lib/jobView.js';
import { formatClock } from './lib/format.js';
import { services } from './services.js';
import { useJobTableStore } from './stores/jobTable.js';
import { useTraceStore } from './stores/trace.js';
import { useUiStore } from './stores/ui.js';

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

/** Exports what the user looks at: the job table as CSV (filtered and sorted as shown), else the overview as JSON. */
export async function exportCurrent(): Promise<void> {
  const { summary } = useTraceStore.getState();
  if (!summary) return;
  const stem = summary.fileName.replace(/\.[^.]+$/, '');
  const table = useJobTableStore.getState();
  if (useUiStore.getState().page === 'jobs' && table.columns) {
    await services().host.saveText({
      suggestedName: `${stem}-jobs.csv`,
      text: jobViewCsv(table.columns, table.view, (sec) => formatClock(sec, true)),
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
    case 'about':
      useUiStore.getState().setAboutOpen(true);
      break;
    case 'navigate':
      if (['start', 'overview', 'jobs', 'rejected'].includes(command.page)) useUiStore.getState().navigate(command.page as 'start');
      break;
  }
}
