import type { Page } from '../stores/ui.js';
import { PAGES } from '../stores/ui.js';

/**
 * Where the user is, as the page's URL says it (hash routes, so `mirage
 * serve` needs no server-side routing and Electron's file:// works too):
 *
 *   #/overview?sample=ls6-a100     a trace page (a bundled sample can be linked to)
 *   #/run/20261130-101500-quick    one run
 *   #/compare/ID1,ID2              runs side by side
 *   #/runs, #/experiment, #/start  the other pages
 *
 * A reload or a bookmark lands on the same page with the same run or comparison.
 */
export interface Route {
  page: Page;
  runId: string | null;
  compare: string[];
  /** A bundled sample to open when the tab has no trace of its own. */
  sample: string | null;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_COMPARED = 8;

export const START_ROUTE: Route = { page: 'start', runId: null, compare: [], sample: null };

export function parseRoute(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const [path, query = ''] = body.split('?', 2);
  const parts = path.split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  const page = (PAGES as readonly string[]).includes(parts[0]) ? (parts[0] as Page) : 'start';
  const sample = new URLSearchParams(query).get('sample');
  const route: Route = { page, runId: null, compare: [], sample: sample && ID.test(sample) ? sample : null };
  if (page === 'run') route.runId = parts[1] && ID.test(parts[1]) ? parts[1] : null;
  if (page === 'compare') route.compare = [...new Set((parts[1] ?? '').split(',').filter((id) => ID.test(id)))].slice(0, MAX_COMPARED);
  return route;
}

export function formatRoute(route: Route): string {
  let hash = `#/${route.page}`;
  if (route.page === 'run' && route.runId) hash += `/${encodeURIComponent(route.runId)}`;
  if (route.page === 'compare' && route.compare.length) hash += `/${route.compare.map(encodeURIComponent).join(',')}`;
  if (route.sample && (route.page === 'overview' || route.page === 'jobs' || route.page === 'rejected')) hash += `?sample=${encodeURIComponent(route.sample)}`;
  return hash;
}
