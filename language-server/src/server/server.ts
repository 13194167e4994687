// Wires the LSP connection to the index: capabilities, document sync, and thin request handlers that
// name a feature (features.ts) and its arguments. The analysis runs in a worker thread (runner.ts), so
// this thread answers at once while the tree is indexed (until the index exists: definition, references
// and symbols from a text scan, see index-host.ts; the rest empty) and a failing feature is logged and
// answered empty, never thrown.
import {
  RequestType, TextDocuments, TextDocumentSyncKind, type Connection, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import fs from 'node:fs';
import { locate, validateLocateParams } from './locate';
import { IndexHost } from './index-host';
import type { FeatureArgs, FeatureName, FeatureResult } from './features';
import {
  GraphRequest, IndexStatusRequest, LocateRequest, type GraphParams, type LocateParams, type LocateResult, type ServerSettings, type IndexLimits, DEFAULT_MAX_FILES,
  InactiveRegionsRequest, ModeChangedNotification, SetModeNotification, type InactiveRegionsParams,
} from './protocol';
import { ModeController } from './modes';
import type { Graph } from '../core/graph-schema';
import { uriToPath } from './workspace';
import { NotesService } from './notes';

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const host = new IndexHost(connection);
  const notes = new NotesService(connection, host);
  let folders: string[] = [];
  let settings: ServerSettings = {};
  let linkSupport = false;
  let codeLensRefresh = false;
  // Datapath mode (server/modes.ts): applied after every index; the client hears dpnav/modeChanged.
  const modes = new ModeController(host, (status) => {
    void connection.sendNotification(ModeChangedNotification, status);
    if (codeLensRefresh) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }, () => settings, () => folders[0]);
  let initialMode: unknown;

  /** A request about one document of the tree: its bpf-relative path goes into the feature's args. */
  function inFile<K extends FeatureName>(name: K, uri: string, fallback: FeatureResult<K>,
    args: (file: string) => FeatureArgs<K>): Promise<FeatureResult<K>> {
    const file = host.mapper?.relative(uri);
    if (file === undefined) return Promise.resolve(fallback);
    return host.query(name, args(file), fallback);
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    if (!folders.length && params.rootUri) { const p = uriToPath(params.rootUri); if (p) folders = [p]; }
    if (!folders.length && params.rootPath) folders = [params.rootPath];
    settings = readSettings(params.initializationOptions);
    notes.initialize(folders, params.initializationOptions);
    linkSupport = params.capabilities.textDocument?.definition?.linkSupport === true;
    codeLensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    initialMode = (params.initializationOptions as { mode?: unknown } | undefined)?.mode;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        definitionProvider: true,
        referencesProvider: true,
        hoverProvider: true,
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        callHierarchyProvider: true,
        codeLensProvider: { resolveProvider: false },
        inlayHintProvider: true,
        codeActionProvider: true,
      },
      serverInfo: { name: 'dpnav', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (typeof initialMode === 'string') void modes.request(initialMode);
    void host.start(folders, settings.bpfRoot, () => documents.all(), limitsOf(settings)).then(() => modes.apply()).catch((err) => {
      connection.console.error(`dpnav: indexing failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  connection.onShutdown(() => { notes.dispose(); return host.dispose(); });
  // Settings pushed by the client (VS Code: `synchronize.configurationSection: 'dpnav'`): a new bpfRoot
  // re-indexes from scratch; codeLensCommands applies to the next lenses.
  connection.onDidChangeConfiguration((change) => {
    const next = readSettings((change.settings as Record<string, unknown> | undefined) ?? {});
    notes.configure(change.settings);
    const rootChanged = next.bpfRoot !== settings.bpfRoot || JSON.stringify(limitsOf(next)) !== JSON.stringify(limitsOf(settings));
    // codeLensCommands is an initialization option of the client, not a user setting: keep it.
    const modesChanged = JSON.stringify([next.modes, next.modeHeaders]) !== JSON.stringify([settings.modes, settings.modeHeaders]);
    settings = { bpfRoot: next.bpfRoot, codeLensCommands: next.codeLensCommands ?? settings.codeLensCommands, modes: next.modes, modeHeaders: next.modeHeaders,
      exclude: next.exclude, maxFiles: next.maxFiles };
    if (!rootChanged) {
      if (modesChanged) void modes.apply();
      return;
    }
    void host.reset().then(() => host.start(folders, settings.bpfRoot, () => documents.all(), limitsOf(settings))).then(() => modes.apply()).catch((err) => {
      connection.console.error(`dpnav: re-indexing for the new bpfRoot failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  documents.onDidChangeContent((e) => host.documentChanged(e.document));
  // A closed document falls back to its text on disk (the editor may have discarded unsaved edits).
  documents.onDidClose((e) => {
    const path = uriToPath(e.document.uri);
    if (!path) return;
    fs.promises.readFile(path, 'utf8').then(
      (text) => host.documentChanged(TextDocument.create(e.document.uri, 'c', 0, text)),
      () => host.fileRemoved(e.document.uri),
    );
  });

  connection.onDefinition((p) => inFile('definition', p.textDocument.uri, null,
    (file) => ({ file, position: p.position, links: linkSupport })));
  connection.onReferences((p) => inFile('references', p.textDocument.uri, null,
    (file) => ({ file, position: p.position, includeDeclaration: p.context.includeDeclaration })));
  connection.onHover(async (p) => {
    const hover = await inFile('hover', p.textDocument.uri, null, (file) => ({ file, position: p.position }));
    const file = host.mapper?.relative(p.textDocument.uri);
    return file === undefined ? hover : notes.decorateHover(hover, file, p.position);
  });
  connection.onDocumentSymbol((p) => inFile('documentSymbol', p.textDocument.uri, [], (file) => ({ file })));
  connection.onWorkspaceSymbol((p) => host.query('workspaceSymbol', { query: p.query }, []));
  connection.languages.callHierarchy.onPrepare((p) => inFile('prepareCallHierarchy', p.textDocument.uri, null,
    (file) => ({ file, position: p.position })));
  connection.languages.callHierarchy.onOutgoingCalls((p) => host.query('outgoingCalls', { item: p.item }, []));
  connection.languages.callHierarchy.onIncomingCalls((p) => host.query('incomingCalls', { item: p.item }, []));
  connection.onCodeLens(async (p) => {
    const lenses = await inFile('codeLens', p.textDocument.uri, [], (file) => ({ file, withCommands: settings.codeLensCommands === true }));
    const file = host.mapper?.relative(p.textDocument.uri);
    return file === undefined ? lenses : notes.decorateLenses(lenses, file, settings.codeLensCommands === true);
  });
  connection.languages.inlayHint.on((p) => inFile('inlayHint', p.textDocument.uri, [], (file) => ({ file, range: p.range })));

  connection.onRequest(IndexStatusRequest, () => host.state);
  connection.onRequest(GraphRequest, async (p: GraphParams | null | undefined): Promise<Graph> => {
    if (p?.waitForIndex) await host.settled();
    return host.query('graph', undefined as never, { root: host.state.root, programs: [], edges: [] });
  });
  connection.onRequest(new RequestType<LocateParams, LocateResult, void>(LocateRequest), (p: unknown): Promise<LocateResult> => {
    const params = validateLocateParams(p);
    if (typeof params === 'string') return Promise.resolve({ found: false, reason: `invalid dpnav/locate params: ${params}` });
    return host.query('locate', { params, state: host.state }, locate(undefined, undefined, params, host.state));
  });

  connection.onNotification(SetModeNotification, (p: unknown) => {
    void modes.request(typeof p === 'object' && p !== null && 'mode' in p ? (p as { mode: unknown }).mode : p);
  });
  connection.onRequest(InactiveRegionsRequest, (p: InactiveRegionsParams) =>
    inFile('inactiveRegions', p?.textDocument?.uri ?? '', { mode: modes.status.mode, regions: [] }, (file) => ({ file })));

  notes.register();
  documents.listen(connection);
  connection.listen();
}

function readSettings(raw: unknown): ServerSettings {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  // Accept both { bpfRoot } and the settings-section shape { dpnav: { bpfRoot } }.
  const section = (typeof o.dpnav === 'object' && o.dpnav !== null ? o.dpnav : o) as Record<string, unknown>;
  const settings: ServerSettings = {};
  if (typeof section.bpfRoot === 'string' && section.bpfRoot.trim()) settings.bpfRoot = section.bpfRoot.trim();
  if (typeof section.codeLensCommands === 'boolean') settings.codeLensCommands = section.codeLensCommands;
  if (section.modes !== undefined) settings.modes = section.modes;
  if (section.modeHeaders !== undefined) settings.modeHeaders = section.modeHeaders;
  if (Array.isArray(section.exclude)) settings.exclude = section.exclude.filter((e): e is string => typeof e === 'string');
  if (typeof section.maxFiles === 'number' && Number.isFinite(section.maxFiles) && section.maxFiles > 0) settings.maxFiles = Math.floor(section.maxFiles);
  return settings;
}

function limitsOf(settings: ServerSettings): IndexLimits {
  return { exclude: settings.exclude ?? [], maxFiles: settings.maxFiles ?? DEFAULT_MAX_FILES };
}
