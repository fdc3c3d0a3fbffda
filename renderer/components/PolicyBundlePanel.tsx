import { useEffect, useState } from 'react';
import type { PolicyBundleView } from '../../core/api/experiment.js';
import { services } from '../services.js';

/**
 * A finished run's policy bundle (OUT/policy: the model with its submit rule
 * as validated): where it is, the exact `mirage provision` command that runs
 * it on a cluster, and an export of the whole folder as one tar archive.
 */
export function PolicyBundlePanel({ runId }: { runId: string }) {
  const [view, setView] = useState<PolicyBundleView | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setView(undefined);
    setError(null);
    services()
      .client.call('runs.policy', { runId })
      .then((v) => live && setView(v))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [runId]);

  const copy = (text: string, what: string): void => {
    navigator.clipboard.writeText(text).then(
      () => setNotice(`${what} copied`),
      () => setNotice(`cannot reach the clipboard: select the ${what} and copy it`),
    );
  };

  const exportArchive = async (): Promise<void> => {
    try {
      const archive = await services().client.call('runs.exportPolicy', { runId });
      const saved = await services().host.saveText({
        suggestedName: archive.fileName,
        text: archive.base64,
        encoding: 'base64',
        filters: [{ name: 'tar archive', extensions: ['tar'] }],
      });
      if (saved) setNotice(`saved ${saved}: unpack it on the cluster with tar -xf`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  if (view === undefined && error === null) return null;
  return (
    <section className="panel" aria-label="Policy bundle" data-testid="policy-bundle">
      <div className="panel-head">
        <h2>Use it on your cluster</h2>
        <span className="hint">the model with its submit rule as validated, in one folder</span>
        {view && (
          <span className="right">
            <button type="button" className="btn small" onClick={() => void exportArchive()} data-testid="policy-export">
              Export bundle (.tar)
            </button>
          </span>
        )}
      </div>
      <div className="panel-body">
        {error && <div className="empty" role="alert">{error}</div>}
        {view === null && <div className="empty">This run wrote no policy bundle (runs finished by an older version have none): run it again to get one.</div>}
        {view && (
          <>
            <p>
              Bundle folder: <code data-testid="policy-dir">{view.dir}</code>{' '}
              <button type="button" className="btn small" onClick={() => copy(view.dir, 'folder path')}>
                Copy path
              </button>
            </p>
            <p>Run it next to a job of your chain (the batch script of the next job, and the job to follow):</p>
            <pre data-testid="policy-command">{view.provisionCommand}</pre>
            <p>
              <button type="button" className="btn small" onClick={() => copy(view.provisionCommand, 'command')} data-testid="policy-copy-command">
                Copy command
              </button>{' '}
              Add <code>--dry-run</code> to see its first decision without submitting; <code>mirage policy info</code> prints what the bundle holds.
            </p>
            {notice && <p className="hint" role="status">{notice}</p>}
          </>
        )}
      </div>
    </section>
  );
}
