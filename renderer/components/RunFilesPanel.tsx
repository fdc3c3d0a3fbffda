import { useEffect, useState } from 'react';
import type { RunFile, RunInfo } from '../../core/api/experiment.js';
import { formatBytes } from '../lib/format.js';
import { services } from '../services.js';

const LOG = 'run.log';

/** A run's log (stages, the end, errors, as they happened) and the files of its folder, each text file downloadable. */
export function RunFilesPanel({ run }: { run: RunInfo }) {
  const [files, setFiles] = useState<RunFile[] | null>(null);
  const [log, setLog] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  // Read again whenever the run changes (a stage ends, the run ends).
  const version = `${run.state}:${run.stages.map((s) => s.state).join(',')}`;
  useEffect(() => {
    let live = true;
    const { client } = services();
    client
      .call('runs.files', { runId: run.id })
      .then(async (list) => {
        if (!live) return;
        setFiles(list);
        setError(null);
        const text = list.some((f) => f.path === LOG) ? (await client.call('runs.file', { runId: run.id, path: LOG })).text : null;
        if (live) setLog(text);
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [run.id, version]);
  const save = async (path: string) => {
    try {
      const { text } = await services().client.call('runs.file', { runId: run.id, path });
      await services().host.saveText({ suggestedName: path.split('/').pop()!, text, filters: [{ name: 'All files', extensions: ['*'] }] });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const fileCount = files?.filter((f) => f.kind === 'file').length ?? 0;
  return (
    <section className="panel" aria-label="Log and files" data-testid="run-files">
      <div className="panel-head">
        <h2>Log and files</h2>
        <span className="hint">{files ? `${fileCount} files in the run's folder` : 'reading…'}</span>
        <span className="right">
          <button type="button" className="btn small ghost" onClick={() => setOpen((o) => !o)} aria-expanded={open} data-testid="run-files-toggle">
            {open ? 'Hide files' : 'Show files'}
          </button>
        </span>
      </div>
      <div className="panel-body">
        {error && <div className="form-error">{error}</div>}
        {log !== null ? (
          <pre className="run-log" data-testid="run-log">
            {log}
          </pre>
        ) : (
          <div className="empty">No log: runs written by mirage run, or by an older version, have none.</div>
        )}
        {open && files && (
          <table className="plain-table files-table" data-testid="files-table">
            <tbody>
              {files.map((f) => (
                <tr key={f.path} data-path={f.path}>
                  <td className="mono">{f.kind === 'folder' ? `${f.path}/` : f.path}</td>
                  <td className="num">{f.bytes !== null ? formatBytes(f.bytes) : f.kind === 'folder' ? 'shared stage outputs' : ''}</td>
                  <td>
                    {f.text && (
                      <button type="button" className="btn small ghost" onClick={() => void save(f.path)}>
                        Save
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
