// A real LSP client for the server tests: spawns the server as a child process on stdio and talks
// JSON-RPC to it through vscode-jsonrpc / vscode-languageserver-protocol, as an editor would.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification,
  ShutdownRequest, ExitNotification, DidOpenTextDocumentNotification, DidChangeTextDocumentNotification,
  PublishDiagnosticsNotification, type ProtocolConnection, type PublishDiagnosticsParams, type ClientCapabilities,
  type Position, type Range,
} from 'vscode-languageserver-protocol/node';
import { IndexStateNotification, IndexStatusRequest, type IndexState } from '../../../language-server/src/server/protocol';

export const repoRoot = path.resolve(__dirname, '../../..');

/** How to start the server: from source through tsx (default), or the bundled CLI (`dist/cli.js lsp --stdio`). */
export type ServerCommand = 'source' | 'cli-bundle';

export interface SessionOptions {
  /** Folder given to the server as the workspace folder / rootUri. */
  workspace: string;
  command?: ServerCommand;
  initializationOptions?: Record<string, unknown>;
  /** Do not wait for the `ready` state after initialize. */
  noWait?: boolean;
  /** Per-request timeout; a request that takes longer fails the test instead of hanging it. */
  requestTimeoutMs?: number;
}

export const clientCapabilities: ClientCapabilities = {
  textDocument: {
    synchronization: { dynamicRegistration: false, didSave: true },
    definition: { linkSupport: true },
    references: {},
    hover: { contentFormat: ['markdown', 'plaintext'] },
    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
    callHierarchy: {},
    codeLens: {},
    inlayHint: {},
    publishDiagnostics: { relatedInformation: true },
  },
  workspace: { symbol: {}, workspaceFolders: true, configuration: false },
};

export class LspSession {
  readonly states: IndexState[] = [];
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private stderr = '';
  private versions = new Map<string, number>();
  private stateWaiters: Array<{ pred: (s: IndexState) => boolean; resolve: (s: IndexState) => void }> = [];

  constructor(readonly connection: ProtocolConnection, readonly child: ChildProcess, readonly workspace: string,
    private readonly timeoutMs: number) {
    child.stderr?.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    connection.onNotification(IndexStateNotification, (s: IndexState) => {
      this.states.push(s);
      this.stateWaiters = this.stateWaiters.filter((w) => (w.pred(s) ? (w.resolve(s), false) : true));
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => { this.diagnostics.set(p.uri, p); });
  }

  get serverStderr(): string { return this.stderr; }

  uri(relToWorkspace: string): string { return pathToFileURL(path.join(this.workspace, relToWorkspace)).href; }

  /** Sends a request and fails (rejects) if no answer comes within the session's timeout. */
  async request<R>(method: string, params: unknown): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${method} got no answer within ${this.timeoutMs} ms\n${this.stderr}`)), this.timeoutMs);
    });
    try {
      return await Promise.race([this.connection.sendRequest(method, params) as Promise<R>, timeout]);
    } finally { clearTimeout(timer); }
  }

  /** Resolves with the first IndexState (already received or future) that satisfies pred. */
  waitForState(pred: (s: IndexState) => boolean, timeoutMs = 60_000): Promise<IndexState> {
    const seen = this.states.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching dpnav/indexState within ${timeoutMs} ms; got ${JSON.stringify(this.states)}\n${this.stderr}`)), timeoutMs);
      this.stateWaiters.push({ pred, resolve: (s) => { clearTimeout(timer); resolve(s); } });
    });
  }

  waitForReady(timeoutMs?: number): Promise<IndexState> {
    return this.waitForState((s) => s.state === 'ready' || s.state === 'error' || s.state === 'no-root', timeoutMs);
  }

  /** Waits for the next diagnostics of a document published after this call. */
  nextDiagnostics(uri: string, timeoutMs = 10_000): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { sub.dispose(); reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms`)); }, timeoutMs);
      const sub = this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
        if (p.uri !== uri) return;
        clearTimeout(timer); sub.dispose(); resolve(p);
      });
    });
  }

  async indexStatus(): Promise<IndexState> { return this.request<IndexState>(IndexStatusRequest, null); }

  /** Opens a document of the workspace with its text on disk (or the given text). */
  async open(relToWorkspace: string, text?: string): Promise<string> {
    const uri = this.uri(relToWorkspace);
    const content = text ?? fs.readFileSync(path.join(this.workspace, relToWorkspace), 'utf8');
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'c', version: 1, text: content },
    });
    return uri;
  }

  /** Incremental change: replaces `range` with `text`. */
  async change(uri: string, range: Range, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version }, contentChanges: [{ range, text }],
    });
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve(); else this.child.once('exit', () => resolve());
    });
    try {
      await this.request(ShutdownRequest.method, null);
      await this.connection.sendNotification(ExitNotification.type);
    } catch { /* a dead server is torn down below */ }
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
    this.connection.dispose();
  }
}

export async function startSession(opts: SessionOptions): Promise<LspSession> {
  const command = opts.command ?? 'source';
  // DPNAV_SERVER_NODE_ARGS: extra node flags for the server process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
  const nodeArgs = (process.env.DPNAV_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const args = command === 'source'
    ? [...nodeArgs, '--import', 'tsx', path.join(repoRoot, 'language-server/src/server/main.ts'), '--stdio']
    : [...nodeArgs, path.join(repoRoot, 'dist/cli.js'), 'lsp', '--stdio'];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const session = new LspSession(connection, child, opts.workspace, opts.requestTimeoutMs ?? 15_000);
  connection.listen();
  const rootUri = pathToFileURL(opts.workspace).href;
  await session.request(InitializeRequest.method, {
    processId: process.pid, rootUri, capabilities: clientCapabilities,
    workspaceFolders: [{ uri: rootUri, name: path.basename(opts.workspace) }],
    initializationOptions: opts.initializationOptions ?? {},
  });
  await connection.sendNotification(InitializedNotification.type, {});
  if (!opts.noWait) await session.waitForReady();
  return session;
}

/** Position of the first occurrence of `needle` in `text` (plus `offset` characters), 0-based. */
export function positionOf(text: string, needle: string, offset = 0, occurrence = 1): Position {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' (occurrence ${occurrence}) not in text`);
  }
  at += offset;
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, character: at - (before.lastIndexOf('\n') + 1) };
}

export function lineOf(text: string, range: Range): string { return text.split('\n')[range.start.line] ?? ''; }
