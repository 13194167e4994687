// The language server, seen from the extension: starts dist/server.js over node IPC, follows its index
// state, and wraps the custom requests (graph, locate). Everything degrades to a clear "not available"
// answer when the server is missing or failed, so the simulator keeps working without it.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  GraphRequest, IndexStateNotification, IndexStatusRequest, LocateRequest, ShowReferencesCommand,
  type GraphParams, type IndexState, type LocateParams, type LocateResult, type LspPosition, type LspRange,
  type ServerSettings,
} from '../../language-server/src/server/protocol';
import type { Graph } from '../../language-server/src/core/graph-schema';
import { RestartPolicy } from './restart-policy';

/** Source files the server analyses: C files, and headers (VS Code calls *.h "cpp" by default). */
export const C_DOCUMENT_SELECTOR: Array<{ scheme: string; language: string; pattern?: string }> = [
  { scheme: 'file', language: 'c' },
  { scheme: 'file', language: 'cpp', pattern: '**/*.h' },
];

export class ServerConnection implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  private current: IndexState = { state: 'searching', files: 0, programs: 0 };
  private readonly stateEmitter = new vscode.EventEmitter<IndexState>();
  private graphCache: Graph | undefined;
  private readonly graphEmitter = new vscode.EventEmitter<void>();
  readonly onDidInvalidateGraph = this.graphEmitter.event;
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
    const { LanguageClient, TransportKind } = await import('vscode-languageclient/node');
    const settings = vscode.workspace.getConfiguration('dpnav');
    const initializationOptions: ServerSettings = {
      bpfRoot: settings.get<string>('bpfRoot') || undefined,
      codeLensCommands: true,
      exclude: settings.get<string[]>('exclude'),
      maxFiles: settings.get<number>('maxFiles'),
    };
    const client = new LanguageClient('dpnav', 'Datapath Navigator', {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    }, {
      documentSelector: C_DOCUMENT_SELECTOR,
      initializationOptions,
      synchronize: { configurationSection: 'dpnav' },
      outputChannel: this.log,
      // A dead server is restarted (a bounded number of times) and the user is told once.
      errorHandler: new RestartPolicy({ notify: (m) => { this.log.error(m); void vscode.window.showWarningMessage(m); } }),
    });
    client.onNotification(IndexStateNotification, (state: IndexState) => this.setState(state));
    this.client = client;
    await client.start();
    // The first notification may have gone out before our handler was in place.
    const state = await client.sendRequest<IndexState>(IndexStatusRequest).catch(() => undefined);
    if (state) this.setState(state);
    return client;
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
      this.graphCache = await client.sendRequest<Graph>(GraphRequest, params);
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
      return await client.sendRequest<LocateResult>(LocateRequest, params);
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
    this.stateEmitter.dispose();
    this.graphEmitter.dispose();
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

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
