// What the client does when the language server dies: restart it, a bounded number of times in a
// window (a server that crashes at once on start would otherwise loop forever), and tell the user once.
// Kept free of `vscode` so it can be unit-tested; server-connection.ts plugs it into the client as its
// errorHandler. The numbers are vscode-languageclient's ErrorAction / CloseAction values.
import type { CloseHandlerResult, ErrorHandler, ErrorHandlerResult } from 'vscode-languageclient';

const ERROR_CONTINUE = 1 as ErrorHandlerResult['action'];
const ERROR_SHUTDOWN = 2 as ErrorHandlerResult['action'];
const CLOSE_DO_NOT_RESTART = 1 as CloseHandlerResult['action'];
const CLOSE_RESTART = 2 as CloseHandlerResult['action'];

export interface RestartPolicyOptions {
  /** Most restarts within `windowMs` before giving up. */
  maxRestarts?: number;
  windowMs?: number;
  /** Shown to the user (once for the first restart, once when giving up). */
  notify: (message: string) => void;
  /** Written to the log only: transport errors, every restart after the first. */
  log?: (message: string) => void;
  now?: () => number;
}

export class RestartPolicy implements ErrorHandler {
  private restarts: number[] = [];
  private toldRestart = false;
  private toldGaveUp = false;
  private readonly maxRestarts: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RestartPolicyOptions) {
    this.maxRestarts = options.maxRestarts ?? 4;
    this.windowMs = options.windowMs ?? 3 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Total restarts so far (for the status line and tests). */
  get restartCount(): number { return this.restarts.length; }

  /** The last close was not followed by a restart: the server stays down. */
  gaveUp = false;

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    // A few transport errors in a row are survivable; a stream of them means the pipe is gone. Either way
    // the user hears of it through closed() alone (handled: the client would otherwise pop up an error of
    // its own for each, e.g. the write that fails as the server dies).
    const n = count ?? 1;
    this.options.log?.(`language server connection error ${n}: ${error?.message ?? String(error)}`);
    return n <= 3 ? { action: ERROR_CONTINUE, handled: true } : { action: ERROR_SHUTDOWN, handled: true };
  }

  closed(): CloseHandlerResult {
    const t = this.now();
    const recent = this.restarts.filter((r) => t - r < this.windowMs);
    if (recent.length >= this.maxRestarts) {
      if (!this.toldGaveUp) {
        this.toldGaveUp = true;
        this.options.notify(`Datapath Navigator: the language server stopped ${recent.length + 1} times in a few minutes and was not restarted. `
          + 'Run "Developer: Reload Window" to try again; the output channel "Datapath Navigator" has the details.');
      }
      this.gaveUp = true;
      return { action: CLOSE_DO_NOT_RESTART, handled: true };
    }
    this.gaveUp = false;
    this.restarts.push(t);
    if (!this.toldRestart) {
      this.toldRestart = true;
      this.options.notify('Datapath Navigator: the language server stopped unexpectedly and was restarted; navigation is re-indexing.');
    } else this.options.log?.(`language server stopped again and was restarted (${this.restarts.length} restarts)`);
    return { action: CLOSE_RESTART, handled: true };
  }
}
