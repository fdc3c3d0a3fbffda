import { useEffect } from 'react';
import { openSample, openTraceWithPicker } from '../actions.js';
import { DatabaseIcon, FileIcon, FolderIcon } from '../components/icons.js';
import { formatBytes } from '../lib/format.js';
import { useRecentStore } from '../stores/recent.js';
import { useTraceStore } from '../stores/trace.js';
import { useConnectionStore } from '../stores/connection.js';

export function StartPage() {
  const samples = useTraceStore((s) => s.samples);
  const samplesLoaded = useTraceStore((s) => s.samplesLoaded);
  const open = useTraceStore((s) => s.open);
  const loading = useTraceStore((s) => s.status === 'loading');
  const recent = useRecentStore((s) => s.entries);
  const canReadPaths = useConnectionStore((s) => s.info?.canReadPaths ?? false);
  const ready = useConnectionStore((s) => s.status.state === 'ready');

  useEffect(() => {
    if (ready) {
      void useTraceStore.getState().loadSamples().catch(() => {});
      void useRecentStore.getState().load().catch(() => {});
    }
  }, [ready]);

  return (
    <div className="start" data-testid="start-page">
      <div>
        <h1>Open a job trace</h1>
        <div className="page-head sub" style={{ minHeight: 0, color: 'var(--muted)', marginTop: 4 }}>
          Replay your cluster's Slurm history: load, queue and waits at a glance, then train a submission policy on it.
        </div>
      </div>
      <div className="start-grid">
        <section className="panel dropzone" aria-label="Open a trace file">
          <FileIcon />
          <div className="big">Drop a trace file here</div>
          <div>
            or{' '}
            <button type="button" className="btn primary" onClick={() => void openTraceWithPicker()} disabled={loading} data-testid="open-file">
              <FolderIcon /> Choose file…
            </button>
          </div>
          <div className="formats">
            Slurm sacct (<code>|</code>-separated), TACC/Mirage logs, SWF (.swf, .gz) · {canReadPaths ? 'read from disk' : 'uploaded to mirage serve'}
          </div>
        </section>
        <div style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
          {samples.map((sample) => (
            <section key={sample.name} className="panel sample-card" data-testid={`sample-${sample.name}`}>
              <div className="title">
                <DatabaseIcon /> {sample.title}
                <span className="badge">sample</span>
              </div>
              <p>{sample.description}</p>
              <div className="attribution">{sample.attribution}</div>
              <div className="row">
                <button type="button" className="btn primary" onClick={() => void openSample(sample)} disabled={loading} data-testid="open-sample">
                  Open sample
                </button>
                <span className="formats">
                  {sample.fileName} · {formatBytes(sample.sizeBytes)}
                </span>
              </div>
            </section>
          ))}
          {!samplesLoaded && (
            <section className="panel sample-card" style={{ minHeight: 166 }} aria-busy="true">
              <span className="formats">Loading the bundled samples…</span>
            </section>
          )}
          {samplesLoaded && samples.length === 0 && <section className="panel empty">No bundled sample in this installation.</section>}
        </div>
      </div>
      <section className="panel">
        <div className="panel-head">
          <h2>Recent</h2>
          <span className="hint">{canReadPaths ? 'files you opened' : 'samples you opened (a browser cannot reopen an uploaded file by itself)'}</span>
        </div>
        <div className="panel-body" style={{ padding: '8px 0 0' }}>
          {recent.length === 0 ? (
            <div className="empty">Nothing opened yet.</div>
          ) : (
            <ul className="recent-list">
              {recent.map((entry) => (
                <li key={entry.kind === 'path' ? entry.path : `sample:${entry.name}`}>
                  <button
                    type="button"
                    disabled={loading}
                    onClick={() =>
                      void open(entry.kind === 'path' ? { kind: 'path', path: entry.path, name: entry.label } : { kind: 'sample', name: entry.name, label: entry.label })
                    }
                  >
                    {entry.kind === 'path' ? <FileIcon /> : <DatabaseIcon />}
                    <span>{entry.label}</span>
                    <span className="path">{entry.kind === 'path' ? entry.path : 'bundled sample'}</span>
                    <span className="formats">{new Date(entry.openedAtMs).toLocaleDateString()}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
    </div>
  );
}
