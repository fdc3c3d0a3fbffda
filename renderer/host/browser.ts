import type { ApiClient } from '../../core/api/client.js';
import type { BackendStatus, OpenedText, OpenTextRequest, RecentEntry, SaveRequest } from '../../core/api/shell.js';
import { OPEN_TEXT_MAX_BYTES, RECENT_MAX, RecentEntrySchema } from '../../core/api/shell.js';
import type { Transport } from '../../core/api/transport.js';
import type { AppHost, PickedTrace } from './types.js';

const RECENT_KEY = 'mirage.recent';

/** The API over the page's WebSocket to `mirage serve`. */
function webSocketTransport(socket: WebSocket): Transport {
  return {
    send(message) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
    onMessage(listener) {
      const handler = (event: MessageEvent) => {
        try {
          listener(JSON.parse(String(event.data)));
        } catch {
          // not ours: the server only sends JSON
        }
      };
      socket.addEventListener('message', handler);
      return () => socket.removeEventListener('message', handler);
    },
    onClose(listener) {
      const handler = () => listener('closed');
      socket.addEventListener('close', handler);
      return () => socket.removeEventListener('close', handler);
    },
    close() {
      socket.close();
    },
  };
}

function apiUrl(location: Location): string {
  const token = new URLSearchParams(location.search).get('token');
  const url = new URL('api', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = token ? `?token=${encodeURIComponent(token)}` : '';
  url.hash = '';
  return url.toString();
}

/** The browser shell: `mirage serve` over a WebSocket, files picked with an <input>, saves as downloads. */
export function createBrowserHost(): AppHost {
  return {
    kind: 'browser',
    versions: { browser: navigator.userAgent.match(/(Chrome|Firefox|Safari)\/[\d.]+/)?.[0] ?? 'browser' },

    connect(client: ApiClient, onStatus: (status: BackendStatus) => void) {
      let restarts = 0;
      let delayMs = 500;
      const open = () => {
        const socket = new WebSocket(apiUrl(window.location));
        socket.addEventListener('open', () => {
          delayMs = 500;
          client.attach(webSocketTransport(socket), 'disconnected');
          onStatus({ state: 'ready', restarts });
        });
        socket.addEventListener('close', () => {
          onStatus({ state: 'disconnected', detail: 'lost the connection to mirage serve; retrying', restarts });
          restarts++;
          setTimeout(open, delayMs);
          delayMs = Math.min(delayMs * 2, 8000);
        });
      };
      onStatus({ state: 'starting', restarts });
      open();
    },

    pickTraceFile() {
      return new Promise<PickedTrace | null>((resolve) => {
        const input = document.createElement('input');
        input.type = 'file';
        input.accept = '.log,.txt,.csv,.swf,.gz,.out,text/plain';
        input.style.display = 'none';
        input.addEventListener('change', () => {
          const file = input.files?.[0];
          input.remove();
          resolve(file ? { kind: 'file', file, name: file.name } : null);
        });
        input.addEventListener('cancel', () => {
          input.remove();
          resolve(null);
        });
        document.body.appendChild(input);
        input.click();
      });
    },

    pickedFromDrop(file) {
      return { kind: 'file', file, name: file.name };
    },

    async saveText(request: SaveRequest) {
      const blob =
        request.encoding === 'base64'
          ? new Blob([Uint8Array.from(atob(request.text), (c) => c.charCodeAt(0))], { type: 'application/octet-stream' })
          : new Blob([request.text], { type: 'text/plain;charset=utf-8' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = request.suggestedName;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return request.suggestedName;
    },

    openText(request: OpenTextRequest) {
      return new Promise<OpenedText | null>((resolve, reject) => {
        const input = document.createElement('input');
        input.type = 'file';
        input.accept = request.filters.flatMap((f) => f.extensions.map((e) => `.${e}`)).join(',');
        input.style.display = 'none';
        input.addEventListener('change', () => {
          const file = input.files?.[0];
          input.remove();
          if (!file) return resolve(null);
          if (file.size > OPEN_TEXT_MAX_BYTES) return reject(new Error(`${file.name} is too large (at most ${OPEN_TEXT_MAX_BYTES >> 20} MiB)`));
          file.text().then((text) => resolve({ name: file.name, text }), reject);
        });
        input.addEventListener('cancel', () => {
          input.remove();
          resolve(null);
        });
        document.body.appendChild(input);
        input.click();
      });
    },

    // A browser cannot reopen an uploaded file by itself: only samples are remembered.
    async recentList() {
      return readRecent();
    },
    async recentAdd(entry: RecentEntry) {
      if (entry.kind !== 'sample') return readRecent();
      const next = [entry, ...readRecent().filter((e) => !(e.kind === 'sample' && e.name === entry.name))].slice(0, RECENT_MAX);
      try {
        localStorage.setItem(RECENT_KEY, JSON.stringify(next));
      } catch {
        // storage full or disabled: recent list is a convenience
      }
      return next;
    },

    onMenuCommand() {
      return () => {};
    },
  };
}

function readRecent(): RecentEntry[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((e) => {
      const parsed = RecentEntrySchema.safeParse(e);
      return parsed.success ? [parsed.data] : [];
    });
  } catch {
    return [];
  }
}
