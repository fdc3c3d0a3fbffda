import type { RunInfo } from '../../core/api/experiment.js';

/**
 * The runs table as the user asks for it: filtered by words (name, id,
 * trace, state, tags, note; `tag:NAME` for a tag exactly), sorted by a
 * column. Pure, so it is tested without a page.
 */

export type RunSortKey = 'started' | 'name' | 'state' | 'model' | 'reactive';
export interface RunSort {
  key: RunSortKey;
  descending: boolean;
}

export function matchesQuery(run: RunInfo, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const tags = (run.tags ?? []).map((t) => t.toLowerCase());
  const text = [run.name, run.id, run.traceName, run.state, run.origin === 'cli' ? 'cli' : 'app', ...tags, run.note ?? ''].join('\n').toLowerCase();
  return words.every((w) => (w.startsWith('tag:') ? tags.includes(w.slice(4)) : text.includes(w)));
}

const modelReward = (r: RunInfo): number | null => r.metrics?.[0]?.meanAbsRewardHours ?? null;
const reactiveReward = (r: RunInfo): number | null => r.metrics?.find((m) => m.policy === 'reactive')?.meanAbsRewardHours ?? null;

/** Sorted copy; runs without the value (not validated yet) go last whatever the direction; ties newest first. */
export function sortRuns(runs: readonly RunInfo[], sort: RunSort): RunInfo[] {
  const value = (r: RunInfo): number | string | null => {
    switch (sort.key) {
      case 'started':
        return r.createdMs;
      case 'name':
        return r.name.toLowerCase();
      case 'state':
        return r.state;
      case 'model':
        return modelReward(r);
      case 'reactive':
        return reactiveReward(r);
    }
  };
  return runs.slice().sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return x === y ? b.createdMs - a.createdMs : x === null ? 1 : -1;
    const order = x < y ? -1 : x > y ? 1 : 0;
    return (sort.descending ? -order : order) || b.createdMs - a.createdMs;
  });
}

/** "a, b,  c" as tags: trimmed, empty ones dropped, each once. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}
