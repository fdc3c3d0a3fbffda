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

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5000;

/**
 * Why the page has no connection, in words that say what to do: the server
 * is not running (start it again on the same port: the page reconnects by
 * itself, the token being kept in the runs folder), or it runs but refuses
 * this page's token (it was started with a new one: open the URL it printed).
 */
async function diagnose(location: Location): Promise<string> {
  const port = location.port || (location.protocol === 'https:' ? '443' : '80');
  const token = new URLSearchParams(location.search).get('token');
  const probe = new URL('/', location.href);
  probe.search = token ? `?token=${encodeURIComponent(token)}` : '';
  probe.hash = '';
  try {
    const response = await fetch(probe, { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' });
    if (response.status === 403) {
      return `mirage serve on port ${port} runs with another access token (it was started with a new one): open the URL it printed in its terminal. This page cannot reconnect with its old token.`;
    }
    return `mirage serve on port ${port} answers, but the live connection failed (HTTP ${response.status}). Retrying…`;
  } catch {
    return `mirage serve is not running on port ${port}. Start it again on the same port (mirage serve --port ${port}, with the same --runs-dir): this page reconnects by itself.`;
  }
}

/** The browser shell: `mirage serve` over a WebSocket, files picked with an <input>, saves as downloads. */
export function createBrowserHost(): AppHost {
  return {
    kind: 'browser',
    versions: { browser: navigator.userAgent.match(/(Chrome|Firefox|Safari)\/[\d.]+/)?.[0] ?? 'browser' },

    connect(client: ApiClient, onStatus: (status: BackendStatus) => void) {
      let restarts = 0;
      let delayMs = RETRY_FIRST_MS;
      const open = () => {
        const socket = new WebSocket(apiUrl(window.location));
        let opened = false;
        socket.addEventListener('open', () => {
          opened = true;
          delayMs = RETRY_FIRST_MS;
          client.attach(webSocketTransport(socket), 'disconnected');
          onStatus({ state: 'ready', restarts });
        });
        socket.addEventListener('close', () => {
          if (opened) restarts++;
          const retry = () => {
            setTimeout(open, delayMs);
            delayMs = Math.min(delayMs * 2, RETRY_MAX_MS);
          };
          // A browser does not say why a WebSocket failed: ask the server over HTTP whether it is there and takes our token.
          void diagnose(window.location).then((detail) => {
            onStatus({ state: 'disconnected', detail, restarts });
            retry();
          });
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
