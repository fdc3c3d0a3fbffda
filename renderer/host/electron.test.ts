import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../core/api/client.js';
import type { BackendStatus, MirageBridge } from '../../core/api/shell.js';
import { createElectronHost } from './electron.js';

/** window.mirage as the preload gives it, with a back end that can crash and come back. */
function fakeBridge() {
  const statusListeners = new Set<(s: BackendStatus) => void>();
  const messageListeners = new Set<(m: unknown) => void>();
  const sent: unknown[] = [];
  let portLive = false;
  const bridge = {
    shell: 'electron',
    versions: {},
    send: (m: unknown) => {
      if (!portLive) return false;
      sent.push(m);
      return true;
    },
    onMessage: (l: (m: unknown) => void) => (messageListeners.add(l), () => messageListeners.delete(l)),
    onBackendStatus: (l: (s: BackendStatus) => void) => (statusListeners.add(l), () => statusListeners.delete(l)),
    onMenuCommand: () => () => {},
    ready: () => {},
  } as unknown as MirageBridge;
  const status = (s: BackendStatus) => {
    portLive = s.state === 'ready';
    statusListeners.forEach((l) => l(s));
  };
  const answer = (m: unknown) => messageListeners.forEach((l) => l(m));
  return { bridge, status, answer, sent, kill: () => (portLive = false) };
}

describe('the desktop transport', () => {
  it('fails calls in flight when the back end crashes, and calls made before it is back, instead of dropping them', async () => {
    const fake = fakeBridge();
    const client = createApiClient();
    const host = createElectronHost(fake.bridge);
    host.connect(client, () => {});
    fake.status({ state: 'ready', restarts: 0 });

    const inFlight = client.call('app.info', {});
    expect(fake.sent).toHaveLength(1);
    fake.status({ state: 'crashed', detail: 'exit code 9', restarts: 0 });
    await expect(inFlight).rejects.toMatchObject({ code: 'disconnected' });
    // Until the new port: refused at once, with a reason.
    await expect(client.call('app.info', {})).rejects.toMatchObject({ code: 'disconnected' });
    expect(fake.sent).toHaveLength(1);

    // Back: calls go through again and are answered.
    fake.status({ state: 'ready', restarts: 1 });
    const again = client.call('trace.samples', {});
    const request = fake.sent[1] as { id: string };
    fake.answer({ kind: 'response', id: request.id, ok: true, result: [] });
    await expect(again).resolves.toEqual([]);
  });

  it('fails a call whose message the preload could not send (the port died before the status came)', async () => {
    const fake = fakeBridge();
    const client = createApiClient();
    createElectronHost(fake.bridge).connect(client, () => {});
    fake.status({ state: 'ready', restarts: 0 });
    fake.kill();
    await expect(client.call('app.info', {})).rejects.toMatchObject({ code: 'disconnected' });
  });
});
