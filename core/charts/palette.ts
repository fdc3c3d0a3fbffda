/**
 * One colour per policy wherever it is drawn (report SVGs, GUI), so a reader
 * who learnt "blue is the model" in one chart keeps it in the next.
 */
const FIXED: Record<string, string> = {
  reactive: '#6b7280',
  average: '#f59e0b',
  quantile: '#8b5cf6',
};
const OTHERS = ['#2563eb', '#16a34a', '#dc2626', '#0891b2', '#db2777', '#65a30d', '#9333ea'];

export function policyColors(policies: readonly string[]): string[] {
  let next = 0;
  return policies.map((p) => FIXED[p] ?? OTHERS[next++ % OTHERS.length]);
}

export const CHART_TEXT = { fontFamily: 'sans-serif', fontSize: 12, color: '#1f2937' } as const;

/** Y axis titles run along the axis, clear of the legend above the plot. */
export const Y_NAME = { nameLocation: 'middle', nameGap: 48, nameRotate: 90 } as const;
