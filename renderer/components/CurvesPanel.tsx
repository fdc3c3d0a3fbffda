import { useEffect, useMemo, useState } from 'react';
import type { CompareData } from '../../core/api/experiment.js';
import { policyColors } from '../../core/charts/index.js';
import { Chart } from '../charts/Chart.js';
import type { CurveAxis, RunCurve } from '../lib/curves-overlay.js';
import { curveOf, curvesCsv, curvesOption } from '../lib/curves-overlay.js';
import { services } from '../services.js';
import { useThemeStore } from '../stores/theme.js';

/** The compared runs' training curves on one chart, by epoch or wall time, and as CSV. */
export function CurvesPanel({ data }: { data: CompareData }) {
  const theme = useThemeStore((s) => s.chart);
  const [curves, setCurves] = useState<RunCurve[] | null>(null);
  const [axis, setAxis] = useState<CurveAxis>('epoch');
  const ids = data.runs.map((r) => r.id).join(',');
  useEffect(() => {
    let live = true;
    const { client } = services();
    Promise.all(data.runs.map(async (r) => curveOf(r.id, r.name, (await client.call('runs.get', { runId: r.id })).trainEvents)))
      .then((all) => live && setCurves(all))
      .catch(() => live && setCurves([]));
    return () => {
      live = false;
    };
    // Keyed by the runs' ids: a new comparison of the same runs needs no refetch.
  }, [ids]);
  const drawn = useMemo(() => curves?.filter((c) => c.points.length > 0) ?? [], [curves]);
  const option = useMemo(() => curvesOption(drawn, policyColors(drawn.map((c) => c.runId)), axis, theme), [drawn, axis, theme]);
  if (!curves) return null;
  const download = () =>
    void services().host.saveText({ suggestedName: 'training-curves.csv', text: curvesCsv(drawn), filters: [{ name: 'CSV', extensions: ['csv'] }] });
  return (
    <section className="panel chart-panel" aria-label="Training curves of the runs" data-testid="curves-overlay">
      <div className="panel-head">
        <h2>Training curves</h2>
        <span className="hint">validation (solid) and training (dashed) loss of each run</span>
        {drawn.length > 0 && (
          <span className="right row-actions">
            <select className="input" value={axis} onChange={(e) => setAxis(e.target.value as CurveAxis)} aria-label="x axis" data-testid="curves-axis">
              <option value="epoch">by epoch</option>
              <option value="wall">by wall time</option>
            </select>
            <button type="button" className="btn small" onClick={download} data-testid="curves-csv">
              CSV
            </button>
          </span>
        )}
      </div>
      {drawn.length === 0 ? (
        <div className="empty">No training curve to draw: these runs' models are fitted in closed form (wait-linear), or came from mirage run without their history.</div>
      ) : (
        <div style={{ padding: '0 4px 4px' }}>
          <Chart option={option} label="Training curves of the compared runs" testId="chart-curves-canvas" />
        </div>
      )}
    </section>
  );
}
