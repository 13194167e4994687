// The language server, seen from the extension: starts dist/server.js over node IPC, follows its index
// state, and wraps the custom requests (graph, locate). Everything degrades to a clear "not available"
// answer when the server is missing or failed, so the simulator keeps working without it.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { LanguageClient, State } from 'vscode-languageclient/node';
import {
  GraphRequest, IndexStateNotification, IndexStatusRequest, LocateRequest, ShowReferencesCommand,
  type GraphParams, type IndexState, type LocateParams, type LocateResult, type LspPosition, type LspRange,
  type ServerSettings,
} from '../../language-server/src/server/protocol';
import type { Graph } from '../../language-server/src/core/graph-schema';
import { RestartPolicy } from './restart-policy';
import { serverSection, type SettingsSource } from './trust';

/** Source files the server analyses: C files, and headers (VS Code calls *.h "cpp" by default). */
export const C_DOCUMENT_SELECTOR: Array<{ scheme: string; language: string; pattern?: string }> = [
  { scheme: 'file', language: 'c' },
  { scheme: 'file', language: 'cpp', pattern: '**/*.h' },
];

/** How long a request lost with a dying server waits for the restarted one before failing. */
const RESTART_WAIT_MS = 30_000;

export class ServerConnection implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  private current: IndexState = { state: 'searching', files: 0, programs: 0 };
  private readonly stateEmitter = new vscode.EventEmitter<IndexState>();
  private graphCache: Graph | undefined;
  private readonly graphEmitter = new vscode.EventEmitter<void>();
  readonly onDidInvalidateGraph = this.graphEmitter.event;
  private readonly restartEmitter = new vscode.EventEmitter<void>();
  /** Fires when a server that died was restarted and is running again (it starts with no mode set). */
  readonly onDidRestart = this.restartEmitter.event;
  private disposed = false;
  /** Fires on every index phase change the server reports (and when it fails to start). */
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {}

  get state(): IndexState {
    return this.current;
  }

  /** Starts the server once; later calls return the same client. Never throws: failures become the 'error' state. */
  start(): Promise<LanguageClient | undefined> {
    this.starting ??= this.launch().catch((err: unknown) => {
      this.setState({ state: 'error', files: 0, programs: 0, message: `language server failed to start: ${errorText(err)}` });
      return undefined;
    });
    return this.starting;
  }

  private async launch(): Promise<LanguageClient | undefined> {
    const serverModule = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'server.js').fsPath;
    if (!fs.existsSync(serverModule)) {
      this.setState({ state: 'error', files: 0, programs: 0, message: `language server not bundled (${serverModule} is missing)` });
      return undefined;
    }
    // Loaded here rather than at the top so activation does not pay for evaluating the client library.
    const { LanguageClient, TransportKind, DidChangeConfigurationNotification, State: ClientState } = await import('vscode-languageclient/node');
    // Evaluated at every (re)start: a restarted server gets the settings of now. Restricted settings come
    // from the user's settings only while the workspace is untrusted (trust.ts).
    const initializationOptions = (): ServerSettings & { notesFile?: string } => ({
      ...serverSection(dpnavSettings(), SERVER_SETTING_KEYS),
      codeLensCommands: true,
    });
    const sendSettings = (): Promise<void> => client.sendNotification(DidChangeConfigurationNotification.type,
      { settings: { dpnav: serverSection(dpnavSettings(), SERVER_SETTING_KEYS) } });
    const restarts = new RestartPolicy({
      notify: (m) => { this.log.error(m); void vscode.window.showWarningMessage(m); },
      log: (m) => this.log.warn(m),
    });
    const client: LanguageClient = new LanguageClient('dpnav', 'Datapath Navigator', {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    }, {
      documentSelector: C_DOCUMENT_SELECTOR,
      initializationOptions,
      synchronize: { configurationSection: 'dpnav' },
      middleware: {
        workspace: {
          // The client would send the whole `dpnav` section as VS Code resolves it; send the keys the
          // initialization options carry, through the trust rule, instead.
          didChangeConfiguration: (): Promise<void> => sendSettings(),
        },
      },
      outputChannel: this.log,
      // A dead server is restarted (a bounded number of times) and the user is told once.
      errorHandler: restarts,
    });
    client.onNotification(IndexStateNotification, (state: IndexState) => this.setState(state));
    this.followRestarts(client, restarts, ClientState.Running);
    // Granting trust makes the workspace's restricted settings count: the server hears them at once.
    this.context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (client.isRunning()) void sendSettings().catch(() => undefined);
    }));
    this.client = client;
    await client.start();
    // The first notification may have gone out before our handler was in place.
    const state = await client.sendRequest<IndexState>(IndexStatusRequest).catch(() => undefined);
    if (state) this.setState(state);
    return client;
  }

  /**
   * The client restarts a dead server by itself (RestartPolicy); the handlers registered on it survive.
   * What does not: the index state (the new server indexes from scratch), which the status bar must not
   * show as the old one's, and the datapath mode, which onDidRestart's listeners send again.
   */
  private followRestarts(client: LanguageClient, restarts: RestartPolicy, running: State): void {
    // A restart goes Running → Stopped → Starting → Running; giving up goes Running → Stopped, with the
    // policy's gaveUp set just before.
    let ranOnce = false;
    client.onDidChangeState(async ({ oldState, newState }) => {
      if (this.disposed) return;
      if (newState === running) {
        if (!ranOnce) { ranOnce = true; return; }
        this.log.info('language server restarted');
        const state = await client.sendRequest<IndexState>(IndexStatusRequest).catch(() => undefined);
        if (state && !this.disposed) this.setState(state);
        if (!this.disposed) this.restartEmitter.fire();
      } else if (ranOnce && oldState === running) {
        this.setState(restarts.gaveUp
          ? { state: 'error', files: 0, programs: 0, message: 'the language server stopped and was not restarted' }
          : { state: 'searching', files: 0, programs: 0, message: 'the language server is restarting' });
      }
    });
  }

  /** Runs a request; if the server died under it and is being restarted, once more on the new server. */
  private async retryOnRestart<R>(request: () => Promise<R>): Promise<R> {
    try {
      return await request();
    } catch (err) {
      if (!isConnectionLoss(err) || this.disposed) throw err;
      // Until the new server runs; not at all once the policy gives up (the state turns to 'error').
      const restarted = await new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => { clearTimeout(timer); restartSub.dispose(); stateSub.dispose(); resolve(ok); };
        const timer = setTimeout(() => done(false), RESTART_WAIT_MS);
        const restartSub = this.onDidRestart(() => done(true));
        const stateSub = this.onDidChangeState((s) => { if (s.state === 'error') done(false); });
      });
      if (!restarted) throw err;
      return request();
    }
  }

  /** Forgets the cached graph (the datapath mode changed what is compiled in) and tells who shows it. */
  invalidateGraph(): void {
    this.graphCache = undefined;
    this.graphEmitter.fire();
  }

  /** The tail-call graph; waits for the first index. Undefined when the server is unavailable. */
  async graph(): Promise<Graph | undefined> {
    if (this.graphCache && this.current.state === 'ready') return this.graphCache;
    const client = await this.start();
    if (!client) return undefined;
    const params: GraphParams = { waitForIndex: true };
    try {
      this.graphCache = await this.retryOnRestart(() => client.sendRequest<Graph>(GraphRequest, params));
      return this.graphCache;
    } catch (err) {
      this.log.appendLine(`dpnav/graph failed: ${errorText(err)}`);
      return undefined;
    }
  }

  /** Where a function (and a call inside it) is in the user's tree. */
  async locate(params: LocateParams): Promise<LocateResult> {
    const client = await this.start();
    if (!client) return { found: false, reason: this.current.message ?? 'the language server is not running' };
    try {
      return await this.retryOnRestart(() => client.sendRequest<LocateResult>(LocateRequest, params));
    } catch (err) {
      return { found: false, reason: `the language server could not locate ${params.function}: ${errorText(err)}` };
    }
  }

  private setState(state: IndexState): void {
    // A re-index may change the programs; the next graph() asks again.
    if (state.state !== 'ready' || state.programs !== this.current.programs) this.graphCache = undefined;
    if (state.state !== this.current.state || state.state === 'error' || state.state === 'no-root') {
      const detail = `${state.files} files, ${state.programs} programs${state.root ? ` in ${state.root}` : ''}${state.message ? `: ${state.message}` : ''}`;
      if (state.state === 'error') this.log.error(`index ${state.state}, ${detail}`);
      else this.log.info(`index ${state.state}, ${detail}`);
    }
    this.current = state;
    this.stateEmitter.fire(state);
  }

  dispose(): void {
    this.disposed = true;
    this.stateEmitter.dispose();
    this.graphEmitter.dispose();
    this.restartEmitter.dispose();
    void this.client?.stop();
  }
}

/** The command the server's reference code lenses carry, mapped onto VS Code's references peek. */
export function registerShowReferences(): vscode.Disposable {
  return vscode.commands.registerCommand(ShowReferencesCommand,
    (uri: string, position: LspPosition, locations: Array<{ uri: string; range: LspRange }>) =>
      vscode.commands.executeCommand('editor.action.showReferences', vscode.Uri.parse(uri), toPosition(position),
        (locations ?? []).map((l) => new vscode.Location(vscode.Uri.parse(l.uri), toRange(l.range)))));
}

export function toPosition(p: LspPosition): vscode.Position {
  return new vscode.Position(p.line, p.character);
}

export function toRange(r: LspRange): vscode.Range {
  return new vscode.Range(toPosition(r.start), toPosition(r.end));
}

/** The `dpnav` settings the language server reads (docs/lsp.md, docs/notes.md). */
const SERVER_SETTING_KEYS = ['bpfRoot', 'notesFile', 'modes', 'modeHeaders', 'exclude', 'maxFiles'];

/** The `dpnav` settings as the extension reads them: through the Workspace Trust rule of trust.ts. */
export function dpnavSettings(): SettingsSource {
  const config = vscode.workspace.getConfiguration('dpnav');
  return { get: (key) => config.get(key), inspect: (key) => config.inspect(key), trusted: vscode.workspace.isTrusted };
}

/** A request lost because the server died or the client is restarting it (jsonrpc's PendingResponseRejected,
 *  ConnectionInactive): the restart tells the user once; callers log these rather than show them. */
export function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === -32097 || code === -32096;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
