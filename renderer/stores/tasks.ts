import { create } from 'zustand';
import type { ApiProgress } from '../../core/api/protocol.js';
import { ApiError } from '../../core/api/protocol.js';

/**
 * Long operations the UI started (open a trace now; simulate, generate, train
 * in part 2): each has a title, live progress and a cancel. The status bar and
 * any page read them from here.
 */
export interface TaskInfo {
  id: string;
  title: string;
  progress: ApiProgress | null;
  startedMs: number;
  finishedMs: number | null;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  message: string | null;
}

export interface TaskContext {
  /** The task's id (to cancel it from elsewhere). */
  id: string;
  signal: AbortSignal;
  onProgress: (progress: ApiProgress) => void;
}

interface TasksState {
  tasks: TaskInfo[];
  /** Runs `work` as a task; resolves or rejects as `work` does (an ApiError with code 'cancelled' when cancelled). */
  run<T>(title: string, work: (context: TaskContext) => Promise<T>): Promise<T>;
  cancel(id: string): void;
  /** Forgets finished tasks. */
  clearFinished(): void;
}

const KEEP_FINISHED = 20;
const controllers = new Map<string, AbortController>();
let counter = 0;

export const useTasksStore = create<TasksState>()((set, get) => {
  const update = (id: string, patch: Partial<TaskInfo>) =>
    set((s) => ({ tasks: s.tasks.map((t) => (t.id === id ? { ...t, ...patch } : t)) }));

  return {
    tasks: [],
    async run(title, work) {
      const id = `task-${++counter}`;
      const controller = new AbortController();
      controllers.set(id, controller);
      const task: TaskInfo = { id, title, progress: null, startedMs: Date.now(), finishedMs: null, state: 'running', message: null };
      set((s) => {
        const finished = s.tasks.filter((t) => t.state !== 'running');
        const dropped = new Set(finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)));
        return { tasks: [...s.tasks.filter((t) => !dropped.has(t)), task] };
      });
      try {
        const result = await work({ id, signal: controller.signal, onProgress: (progress) => update(id, { progress }) });
        update(id, { state: 'done', finishedMs: Date.now() });
        return result;
      } catch (error) {
        const cancelled = controller.signal.aborted || (error instanceof ApiError && error.code === 'cancelled');
        update(id, {
          state: cancelled ? 'cancelled' : 'failed',
          finishedMs: Date.now(),
          message: error instanceof Error ? error.message : String(error),
        });
        throw error;
      } finally {
        controllers.delete(id);
      }
    },
    cancel(id) {
      controllers.get(id)?.abort();
    },
    clearFinished() {
      set({ tasks: get().tasks.filter((t) => t.state === 'running') });
    },
  };
});

export function isCancelled(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'cancelled';
}
