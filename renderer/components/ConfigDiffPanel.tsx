import { useEffect, useState } from 'react';
import type { DiffRow } from '../lib/config-diff.js';
import { diffConfigs } from '../lib/config-diff.js';
import { PipelineConfigSchema } from '../../core/pipeline/browser.js';
import { services } from '../services.js';

/** A config as the CLI runs it: the schema's defaults filled in, so a field left out and its default compare equal. */
function withDefaults(config: Record<string, unknown>): Record<string, unknown> {
  const parsed = PipelineConfigSchema.safeParse(config);
  return parsed.success ? (parsed.data as Record<string, unknown>) : config;
}

/** Two runs' configs side by side, the fields that differ highlighted (all fields on request). */
export function ConfigDiffPanel({ ids, onClose }: { ids: [string, string]; onClose: () => void }) {
  const [rows, setRows] = useState<DiffRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [all, setAll] = useState(false);
  useEffect(() => {
    let live = true;
    setRows(null);
    setError(null);
    const { client } = services();
    Promise.all(ids.map((runId) => client.call('runs.get', { runId })))
      .then(([a, b]) => live && setRows(diffConfigs(withDefaults(a.config), withDefaults(b.config))))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [ids]);
  const differing = rows?.filter((r) => r.differs).length ?? 0;
  const shown = rows?.filter((r) => all || r.differs) ?? [];
  return (
    <section className="panel" aria-label="Config difference" data-testid="config-diff">
      <div className="panel-head">
        <h2>Configs side by side</h2>
        <span className="hint">{rows ? `${differing} of ${rows.length} fields differ · defaults filled in, as the CLI runs them` : 'reading…'}</span>
        <span className="right row-actions">
          <label className="muted">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> all fields
          </label>
          <button type="button" className="btn small ghost" onClick={onClose}>
            Close
          </button>
        </span>
      </div>
      <div className="panel-body">
        {error && <div className="form-error">{error}</div>}
        {rows && (
          <table className="plain-table diff-table">
            <thead>
              <tr>
                <th>field</th>
                <th className="mono">{ids[0]}</th>
                <th className="mono">{ids[1]}</th>
              </tr>
            </thead>
            <tbody>
              {shown.length === 0 && (
                <tr>
                  <td colSpan={3} className="empty">
                    The two configs are the same.
                  </td>
                </tr>
              )}
              {shown.map((r) => (
                <tr key={r.path} className={r.differs ? 'differs' : undefined} data-testid="diff-row" data-path={r.path} data-differs={r.differs}>
                  <td className="mono">{r.path}</td>
                  <td className="mono">{r.a ?? <span className="faint">(default)</span>}</td>
                  <td className="mono">{r.b ?? <span className="faint">(default)</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
