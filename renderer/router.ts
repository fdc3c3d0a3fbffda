import type { Route } from './lib/route.js';
import { formatRoute, parseRoute } from './lib/route.js';
import { useCompareStore } from './stores/compare.js';
import { useConnectionStore } from './stores/connection.js';
import { useRunsStore } from './stores/runs.js';
import { useTraceStore } from './stores/trace.js';
import { useUiStore } from './stores/ui.js';

/**
 * Keeps the page's URL and the stores in step: a page, run or comparison
 * shown writes its hash route (so it can be reloaded, bookmarked, linked);
 * a route typed, followed, or gone back to with the browser's Back button
 * shows its page. The back end is reached only once connected (main.tsx
 * calls `onConnected`).
 */

/** The route of what is shown now. */
function currentRoute(): Route {
  const { page } = useUiStore.getState();
  const target = useTraceStore.getState().target;
  return {
    page,
    runId: useRunsStore.getState().currentId,
    compare: useCompareStore.getState().selected,
    sample: target?.kind === 'sample' ? target.name : null,
  };
}

/** A bundled sample named by the URL, opened once connected when the tab has no trace of its own. */
let pendingSample: string | null = null;

function connected(): boolean {
  return useConnectionStore.getState().status.state === 'ready';
}

function apply(route: Route): void {
  if (route.page === 'run' && route.runId && useRunsStore.getState().currentId !== route.runId) {
    if (connected()) void useRunsStore.getState().open(route.runId);
    else useRunsStore.setState({ currentId: route.runId, current: null });
  }
  if (route.page === 'compare' && route.compare.join() !== useCompareStore.getState().selected.join()) {
    if (connected()) useCompareStore.getState().setSelected(route.compare);
    else useCompareStore.setState({ selected: route.compare });
  }
  useUiStore.getState().navigate(route.page);
  if (route.sample) {
    pendingSample = route.sample;
    if (connected()) openPendingSample();
  }
}

/** The sample a route names, when the tab has no trace (or another one) and none is being opened. */
function openPendingSample(): void {
  const sample = pendingSample;
  pendingSample = null;
  const trace = useTraceStore.getState();
  if (!sample || trace.status === 'loading') return;
  if (trace.target?.kind === 'sample' && trace.target.name === sample) return;
  if (trace.summary && trace.target?.kind !== 'sample') return;
  void trace.open({ kind: 'sample', name: sample, label: trace.samples.find((s) => s.name === sample)?.title ?? sample }, { keepPage: true });
}

export function startRouter(): void {
  apply(parseRoute(window.location.hash));
  window.history.replaceState(null, '', formatRoute(currentRoute()));
  const write = () => {
    const hash = formatRoute(currentRoute());
    if (hash !== window.location.hash) window.history.pushState(null, '', hash);
  };
  useUiStore.subscribe(write);
  useRunsStore.subscribe((s, before) => s.currentId !== before.currentId && write());
  useCompareStore.subscribe((s, before) => s.selected !== before.selected && write());
  useTraceStore.subscribe((s, before) => s.target !== before.target && write());
  window.addEventListener('popstate', () => apply(parseRoute(window.location.hash)));
  window.addEventListener('hashchange', () => apply(parseRoute(window.location.hash)));
}

/** After every (re)connection: the trace, the comparison and a linked sample, from the back end. */
export function onConnected(): void {
  const trace = useTraceStore.getState();
  void trace.ensureOpen().then(openPendingSample);
  const compare = useCompareStore.getState();
  if (compare.selected.length && compare.status !== 'loading') void compare.load();
}
