import { useEffect, useRef } from 'react';
import { useConnectionStore } from '../stores/connection.js';
import { useUiStore } from '../stores/ui.js';
import { services } from '../services.js';
import { LogoMark } from './icons.js';

/** Versions of everything that runs, and the active TensorFlow.js backend. */
export function AboutDialog() {
  const open = useUiStore((s) => s.aboutOpen);
  const setOpen = useUiStore((s) => s.setAboutOpen);
  const info = useConnectionStore((s) => s.info);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, setOpen]);
  if (!open) return null;
  const hostVersions = services().host.versions;
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && setOpen(false)}>
      <div className="panel dialog" role="dialog" aria-modal="true" aria-labelledby="about-title" data-testid="about">
        <h1 id="about-title" style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
          <LogoMark /> Mirage Workbench
        </h1>
        <dl>
          <dt>Version</dt>
          <dd>{info?.version ?? '…'}</dd>
          <dt>Back end</dt>
          <dd>{info?.backend ?? '…'}</dd>
          <dt>TensorFlow.js backend</dt>
          <dd>{info ? (info.tfjsBackend ?? 'not loaded yet') : '…'}</dd>
          {info &&
            Object.entries(info.versions).map(([k, v]) => (
              <Row key={`b-${k}`} name={k} value={v} />
            ))}
          {Object.entries(hostVersions).map(([k, v]) => (
            <Row key={`h-${k}`} name={k} value={v} />
          ))}
          <dt>Platform</dt>
          <dd>{info ? `${info.platform} ${info.arch}` : '…'}</dd>
        </dl>
        <div className="foot">
          <button ref={closeRef} type="button" className="btn" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

function Row({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}
