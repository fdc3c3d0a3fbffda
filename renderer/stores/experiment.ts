import { create } from 'zustand';
import type { Preset, TraceChoice, TraceRange } from '../../core/api/experiment.js';
import { ApiError } from '../../core/api/protocol.js';
import type { ConfigCheck } from '../lib/config-form.js';
import { checkConfig, getAt, setAt } from '../lib/config-form.js';
import { services } from '../services.js';

/**
 * The experiment being configured: a draft of the `mirage run` config (what
 * the form edits, what Save writes, what Load reads), checked with the CLI's
 * schema on every change, plus what the form shows beside it: presets, the
 * traces it may name, the chosen trace's time range.
 */
interface ExperimentState {
  draft: Record<string, unknown>;
  check: ConfigCheck;
  /** The last draft that was valid: the windows stay drawn while a field is being fixed. */
  lastValid: ConfigCheck['config'];
  /** Where the draft came from: "defaults", "preset quick", "file my.json", "run …". */
  source: string;
  /** A field was changed since the draft came from `source` (the label then says so). */
  edited: boolean;
  presets: Preset[];
  traces: TraceChoice[];
  loaded: boolean;
  range: { path: string; status: 'loading' | 'ready' | 'error'; data: TraceRange | null; error: string | null } | null;
  /** Why the last Run / Load failed. */
  error: string | null;
  starting: boolean;
  load(): Promise<void>;
  setField(path: readonly string[], value: unknown): void;
  replace(draft: Record<string, unknown>, source: string): void;
  applyPreset(name: string): void;
  loadFile(): Promise<void>;
  saveFile(): Promise<void>;
  fetchRange(): Promise<void>;
  /** Starts the run; resolves to its id, or null when it could not start (error set). */
  run(): Promise<string | null>;
  dismissError(): void;
}

const describe = (error: unknown): string => {
  if (error instanceof ApiError) return [error.message, ...(error.payload.issues ?? [])].join('\n');
  return error instanceof Error ? error.message : String(error);
};

export const useExperimentStore = create<ExperimentState>()((set, get) => ({
  draft: {},
  check: checkConfig({}),
  lastValid: checkConfig({}).config,
  source: 'defaults',
  edited: false,
  presets: [],
  traces: [],
  loaded: false,
  range: null,
  error: null,
  starting: false,

  async load() {
    const { client } = services();
    const [presets, traces] = await Promise.all([client.call('experiment.presets', {}), client.call('experiment.traces', {})]);
    set({ presets, traces, loaded: true });
  },

  setField(path, value) {
    const draft = setAt(get().draft, path, value);
    const check = checkConfig(draft);
    set({ draft, check, lastValid: check.config ?? get().lastValid, edited: true });
  },

  replace(draft, source) {
    const check = checkConfig(draft);
    set({ draft, check, lastValid: check.config ?? get().lastValid, source, edited: false, error: null });
  },

  applyPreset(name) {
    const preset = get().presets.find((p) => p.name === name);
    if (preset) get().replace(structuredClone(preset.config), `preset ${name}`);
  },

  async loadFile() {
    try {
      const opened = await services().host.openText({ title: 'Open an experiment config', filters: [{ name: 'Experiment config (JSON)', extensions: ['json'] }] });
      if (!opened) return;
      let value: unknown;
      try {
        value = JSON.parse(opened.text);
      } catch (error) {
        set({ error: `${opened.name}: not valid JSON: ${(error as Error).message}` });
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        set({ error: `${opened.name}: an experiment config is a JSON object` });
        return;
      }
      // Loaded as it is: whatever the CLI would refuse is shown on its field.
      get().replace(value as Record<string, unknown>, `file ${opened.name}`);
    } catch (error) {
      set({ error: describe(error) });
    }
  },

  async saveFile() {
    const { check } = get();
    if (!check.config) return;
    // The whole config, defaults spelled out: the file means the same whatever later defaults become.
    await services().host.saveText({
      suggestedName: `${check.config.name}.json`,
      text: JSON.stringify(check.config, null, 2) + '\n',
      filters: [{ name: 'Experiment config (JSON)', extensions: ['json'] }],
    });
  },

  async fetchRange() {
    const path = getAt(get().draft, ['trace', 'path']) ?? get().check.config?.trace.path ?? 'assets/traces/ls6-a100.log';
    const format = (get().check.config?.trace.format ?? 'auto') as 'auto';
    if (typeof path !== 'string' || path === '') return;
    if (get().range?.path === path && get().range?.status !== 'error') return;
    set({ range: { path, status: 'loading', data: null, error: null } });
    try {
      const data = await services().client.call('experiment.traceRange', { path, format });
      if (get().range?.path === path) set({ range: { path, status: 'ready', data, error: null } });
    } catch (error) {
      if (get().range?.path === path) set({ range: { path, status: 'error', data: null, error: describe(error) } });
    }
  },

  async run() {
    const { check } = get();
    if (!check.config) return null;
    set({ starting: true, error: null });
    try {
      const info = await services().client.call('runs.start', { config: check.config });
      return info.id;
    } catch (error) {
      set({ error: describe(error) });
      return null;
    } finally {
      set({ starting: false });
    }
  },

  dismissError() {
    set({ error: null });
  },
}));
