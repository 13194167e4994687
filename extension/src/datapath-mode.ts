// The active datapath mode (tunnel or native routing), per workspace. The status bar, the panel and the
// Choose Datapath Mode command all read and change it here. connect() keeps the language server on the
// same mode (dpnav/setMode) and greys the lines the mode compiles out in every visible C editor
// (dpnav/inactiveRegions, re-asked on dpnav/modeChanged): the simulator and the editor show one mode.
import * as vscode from 'vscode';
import type { ModeName } from '../../webview/src/protocol';
import { isModeName } from './simulation';
import {
  InactiveRegionsRequest, ModeChangedNotification, SetModeNotification,
  type InactiveRegionsResult, type ModeStatus, type SetModeParams,
} from '../../language-server/src/server/protocol';
import { dpnavSettings, type ServerConnection } from './server-connection';
import { settingValue } from './trust';
import path from 'node:path';
import { modeFromHeaders, modeFromSettings, type DatapathMode as ModeDefinition } from '../../language-server/src/modes/modes';

const STATE_KEY = 'dpnav.mode';
/** A user mode (dpnav.modes / dpnav.modeHeaders) the editor evaluates with; the simulator runs STATE_KEY's mode. */
const EDITOR_KEY = 'dpnav.editorMode';

export class DatapathMode implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ModeName>();
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private decoration: vscode.TextEditorDecorationType | undefined;

  constructor(private readonly memento: vscode.Memento) {}

  get current(): ModeName {
    const saved = this.memento.get<unknown>(STATE_KEY);
    if (isModeName(saved)) return saved;
    const configured = vscode.workspace.getConfiguration('dpnav').get<unknown>('defaultMode');
    return isModeName(configured) ? configured : 'vxlan';
  }

  /** The mode the editor evaluates `#if`s with: a built-in one (then equal to `current`) or a user mode. */
  get editorMode(): string {
    const user = this.memento.get<unknown>(EDITOR_KEY);
    return typeof user === 'string' && user ? user : this.current;
  }

  /** A built-in mode for both the editor and the simulator. */
  async set(mode: ModeName): Promise<void> {
    if (mode === this.current && this.editorMode === mode) return;
    await this.memento.update(EDITOR_KEY, undefined);
    await this.memento.update(STATE_KEY, mode);
    this.emitter.fire(mode);
  }

  /** A user mode for the editor; the simulator runs the closest built-in mode. */
  async setUserMode(name: string, simulateAs: ModeName): Promise<void> {
    await this.memento.update(EDITOR_KEY, name);
    await this.memento.update(STATE_KEY, simulateAs);
    this.emitter.fire(simulateAs);
  }

  /**
   * Keeps the language server on this mode and greys compiled-out lines. Call once after the server
   * connection exists; failures are logged, never thrown (the simulator works without the server).
   */
  connect(server: ServerConnection, log: vscode.LogOutputChannel): void {
    this.decoration = vscode.window.createTextEditorDecorationType({ opacity: '0.45', isWholeLine: true });
    let lastStatus: ModeStatus | undefined;
    let editTimer: NodeJS.Timeout | undefined;
    const send = async () => {
      const client = await server.start();
      if (!client) return;
      const params: SetModeParams = { mode: this.editorMode };
      await client.sendNotification(SetModeNotification, params).catch((err: unknown) => log.warn(`dpnav/setMode failed: ${String(err)}`));
    };
    const decorate = async (editor: vscode.TextEditor) => {
      const client = await server.start();
      if (!client || !this.decoration || !/^(c|cpp)$/.test(editor.document.languageId)) return;
      try {
        const r = await client.sendRequest<InactiveRegionsResult>(InactiveRegionsRequest, { textDocument: { uri: editor.document.uri.toString() } });
        const ranges = r.regions.map((x) => ({
          range: new vscode.Range(x.range.start.line, 0, x.range.end.line, Number.MAX_SAFE_INTEGER),
          hoverMessage: new vscode.MarkdownString().appendText(`Compiled out in mode ${r.mode}: ${x.directive} (line ${x.directiveLine + 1}) — ${x.reason}`),
        }));
        editor.setDecorations(this.decoration, ranges);
      } catch (err) {
        log.warn(`dpnav/inactiveRegions failed for ${editor.document.uri.fsPath}: ${String(err)}`);
      }
    };
    const decorateAll = () => { for (const e of vscode.window.visibleTextEditors) void decorate(e); };
    void server.start().then((client) => {
      if (!client) return;
      this.subscriptions.push(client.onNotification(ModeChangedNotification, (status: ModeStatus) => {
        if (status.error && status.error !== lastStatus?.error) log.warn(`datapath mode: ${status.error}`);
        else if (status.mode) log.info(`datapath mode ${status.mode}: every #if evaluated in ${status.ms ?? '?'} ms; ${status.unknownSymbols?.length ?? 0} unknown symbols taken as undefined`);
        lastStatus = status;
        server.invalidateGraph();
        decorateAll();
      }));
      void send();
    });
    this.subscriptions.push(
      this.onDidChange(() => void send()),
      // A restarted server (it died; the client started a new one) starts with no mode: tell it again.
      server.onDidRestart(() => void send()),
      // A re-index starts the analysis without a mode; the server re-applies it, but a restarted server needs it again.
      server.onDidChangeState((s) => { if (s.state === 'ready') decorateAll(); }),
      vscode.window.onDidChangeVisibleTextEditors(() => decorateAll()),
      // Edits move and change regions: re-ask a moment after typing stops (the server re-indexes first).
      vscode.workspace.onDidChangeTextDocument((e) => {
        clearTimeout(editTimer);
        editTimer = setTimeout(() => {
          for (const ed of vscode.window.visibleTextEditors) if (ed.document === e.document) void decorate(ed);
        }, 400);
      }),
      { dispose: () => clearTimeout(editTimer) },
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('dpnav.modes') || e.affectsConfiguration('dpnav.modeHeaders')) void send(); }),
    );
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.decoration?.dispose();
    this.emitter.dispose();
  }
}

export interface UserModeChoice {
  name: string;
  description: string;
  /** Reads the mode's defines (settings entry or header files); throws ModeError with where it went wrong. */
  resolve(): ModeDefinition;
}

/** The user's own modes from settings: named define sets (dpnav.modes) and node config headers (dpnav.modeHeaders). */
export function userModes(): UserModeChoice[] {
  // Both settings are restricted: in an untrusted workspace only the user's own values count (trust.ts).
  const config = dpnavSettings();
  const out: UserModeChoice[] = [];
  const modes = settingValue<unknown>(config, 'modes');
  if (Array.isArray(modes)) {
    modes.forEach((entry, i) => {
      const name = (entry as { name?: unknown })?.name;
      if (typeof name === 'string' && !isModeName(name)) {
        out.push({ name, description: 'your defines (dpnav.modes)', resolve: () => modeFromSettings(entry, `settings: dpnav.modes[${i}]`) });
      }
    });
  }
  const headers = settingValue<unknown>(config, 'modeHeaders');
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      const list = (typeof value === 'string' ? [value] : Array.isArray(value) ? value : []).filter((p): p is string => typeof p === 'string');
      const paths = list.map((p) => (path.isAbsolute(p) || !base ? p : path.join(base, p)));
      out.push({ name, description: `node config headers: ${list.join(', ')}`, resolve: () => modeFromHeaders(name, paths) });
    }
  }
  return out;
}
