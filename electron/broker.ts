import type { UtilityProcess, WebContents } from 'electron';
import { MessageChannelMain, utilityProcess } from 'electron';
import type { BackendStatus } from '../core/api/shell.js';
import { RestartBackoff } from '../core/host/restart.js';

export const PORT_CHANNEL = 'mirage:port';
export const STATUS_CHANNEL = 'mirage:backend-status';

/**
 * Runs the utility process and connects renderers to it. The main process
 * only brokers: each renderer gets a MessagePort whose other end is in the
 * utility process, so API traffic never passes through main. A crash is
 * reported to every renderer, the process is restarted, and every renderer
 * gets a fresh port.
 */
export class BackendBroker {
  private child: UtilityProcess | null = null;
  private readonly clients = new Set<WebContents>();
  private restarts = 0;
  private readonly backoff = new RestartBackoff();
  private startedMs = 0;
  private stopping = false;
  private ready = false;

  constructor(
    private readonly entry: string,
    private readonly options: { log?: (message: string) => void; onConnected?: (contents: WebContents) => void; args?: string[] } = {},
  ) {}

  private log(message: string): void {
    (this.options.log ?? console.error)(message);
  }

  start(): void {
    this.ready = false;
    this.startedMs = Date.now();
    const child = utilityProcess.fork(this.entry, this.options.args ?? [], { serviceName: 'Mirage Workbench back end', stdio: 'inherit' });
    this.child = child;
    child.on('message', (message: unknown) => {
      if ((message as { type?: string })?.type !== 'backend-ready' || child !== this.child) return;
      this.ready = true;
      for (const contents of this.clients) this.connect(contents);
    });
    child.on('exit', (code) => {
      if (child !== this.child) return;
      this.child = null;
      if (this.stopping) return;
      const delay = this.backoff.crashed(Date.now() - this.startedMs);
      const detail = `exit code ${code}`;
      this.log(`mirage: the back end stopped (${detail}); restarting`);
      this.broadcast({ state: 'crashed', detail, restarts: this.restarts });
      setTimeout(() => {
        if (this.stopping) return;
        this.restarts++;
        this.broadcast({ state: 'restarting', restarts: this.restarts });
        this.start();
      }, delay);
    });
  }

  /** Gives a renderer (again) a port to the back end; called when its page is ready for one. */
  attach(contents: WebContents): void {
    if (!this.clients.has(contents)) {
      this.clients.add(contents);
      const window = contents.id;
      contents.once('destroyed', () => {
        this.clients.delete(contents);
        // Its connection ends now, not when the port happens to be collected: the back end frees what the window held.
        // A back end that is exiting or restarting has no connection left to end: nothing to report.
        try {
          this.child?.postMessage({ type: 'disconnect', window });
        } catch {
          /* the process is gone; its successor starts with no connections */
        }
      });
    }
    if (this.ready) this.connect(contents);
  }

  /**
   * Asks the back end to stop its work cleanly (a running experiment is saved
   * as interrupted, resumable at the next start), killing it after
   * `timeoutMs` if it has not exited by then.
   */
  stopGracefully(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const child = this.child;
    this.child = null;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.postMessage({ type: 'shutdown' });
    });
  }

  private connect(contents: WebContents): void {
    if (!this.child || contents.isDestroyed()) return;
    const { port1, port2 } = new MessageChannelMain();
    // Tagged with the window: a reload asks for a new port, and the back end then ends the old one's connection.
    this.child.postMessage({ type: 'connect', window: contents.id }, [port1]);
    const status: BackendStatus = { state: 'ready', restarts: this.restarts };
    contents.postMessage(PORT_CHANNEL, status, [port2]);
    this.options.onConnected?.(contents);
  }

  private broadcast(status: BackendStatus): void {
    for (const contents of this.clients) if (!contents.isDestroyed()) contents.send(STATUS_CHANNEL, status);
  }
}
