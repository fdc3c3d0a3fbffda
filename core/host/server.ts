import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { UpgradeRequest } from './ws-host.js';

export interface ServeOptions {
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /**
   * Takes an API upgrade request once it passed the checks (token, Host,
   * Origin): the back end completes the handshake on the socket and serves
   * the page (BackendProcess.upgrade).
   */
  upgrade: (request: UpgradeRequest, socket: Duplex, head: Buffer) => void;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
  log?: (message: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const API_PATH = '/api';
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Same policy as renderer/index.html, sent as a header too (it also covers files the meta tag cannot). */
function contentSecurityPolicy(port: number): string {
  return (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}; ` +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
  );
}

/**
 * `mirage serve`: the built renderer over HTTP and the service API over a
 * WebSocket, on 127.0.0.1 only. Every request needs the access token, from
 * the URL's `?token=` or from the cookie the first tokened page load sets;
 * the Host and Origin headers must name this server (no DNS rebinding, no
 * cross-site WebSocket).
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const rendererDir = resolve(options.rendererDir);
  const log = options.log ?? (() => {});
  let port = 0;
  const cookieName = () => `mirage_token_${port}`;

  const allowedHost = (host: string | undefined) => host === `${HOST}:${port}` || host === `localhost:${port}`;
  const hasToken = (req: IncomingMessage, url: URL) => {
    const candidates = [url.searchParams.get('token'), readCookie(req.headers.cookie, cookieName())];
    return candidates.some((c) => c !== null && sameSecret(c, token));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    if (!allowedHost(req.headers.host)) return refuse(res, 421, 'wrong Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    if (!hasToken(req, url)) {
      log(`refused ${req.method} ${url.pathname}: no token`);
      return refuse(res, 403, 'Forbidden: open the URL that `mirage serve` printed (it carries ?token=...).');
    }
    if (url.searchParams.get('token') !== null) {
      res.setHeader('Set-Cookie', `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    serveStatic(rendererDir, url.pathname, req, res, contentSecurityPolicy(port));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => log(`connection reset during the WebSocket handshake: ${error.message}`));
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const origin = req.headers.origin;
    const originOk = origin === undefined || origin === `http://${HOST}:${port}` || origin === `http://localhost:${port}`;
    if (url.pathname !== API_PATH || !allowedHost(req.headers.host) || !originOk || !hasToken(req, url)) {
      log(`refused WebSocket ${url.pathname} from origin ${origin ?? '(none)'}`);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // The page's socket itself goes to the back end: no frame of it passes through this process.
    options.upgrade({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, socket, head);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

function serveStatic(rendererDir: string, pathname: string, req: IncomingMessage, res: ServerResponse, csp: string): void {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return refuse(res, 400, 'bad path');
  }
  if (relative === '/' || relative === '') relative = '/index.html';
  const file = normalize(join(rendererDir, relative));
  if (!file.startsWith(rendererDir + sep)) return refuse(res, 404, 'not found');
  if (!existsSync(join(rendererDir, 'index.html'))) {
    return refuse(res, 503, 'The UI is not built: run `npm run build` in the project folder, then reload.');
  }
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return refuse(res, 404, 'not found');
    size = stat.size;
  } catch {
    return refuse(res, 404, 'not found');
  }
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': size,
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    // Hashed asset names may be cached; the page itself must not be (it is the entry point).
    'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'private, max-age=3600',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  res.end(message + '\n');
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
