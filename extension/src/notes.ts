// Datapath notes in VS Code: the commands the server's code actions and lenses carry (add, edit, delete a
// note, through dpnav/notes/* requests), a warning when the notes file is malformed (it is never
// overwritten), and the exports (annotated tail-call graph, trace walk-through as Markdown).
// The notes file itself is read, merged and written by the language server (language-server/src/notes/).
import * as vscode from 'vscode';
import path from 'node:path';
import type { ServerConnection } from './server-connection';
import type { DatapathMode } from './datapath-mode';
import type { PanelNotes } from './simulator-panel';
import type { NoteTargetMessage, WebviewNote } from '../../webview/src/protocol';
import { errorText, isConnectionLoss } from './server-connection';
import { runBuiltin, scenarioSummaries } from './simulation';
import {
  NotesAnchorsRequest, NotesChangedNotification, NotesCommands, NotesDeleteRequest, NotesListRequest, NotesReattachRequest, NotesSetRequest,
  type NoteAnchors, type NotesList, type NotesWriteResult, type NoteTarget, type NotePlace,
} from '../../language-server/src/notes/protocol';
import { describeTarget } from '../../language-server/src/notes/schema';
import { resolveNotes, subjectsFromGraph } from '../../language-server/src/notes/resolve';
import { toAnnotatedDot, toAnnotatedMermaid, toAnnotatedSvg } from '../../language-server/src/notes/export';
import { traceToMarkdown, type FoundFunction } from '../../language-server/src/notes/trace-markdown';

export const EXPORT_GRAPH_COMMAND = 'dpnav.exportTailCallGraph';
export const EXPORT_TRACE_COMMAND = 'dpnav.exportTraceMarkdown';
export const REATTACH_COMMAND = 'dpnav.notes.reattach';

export class NotesClient implements vscode.Disposable, PanelNotes {
  private latest: NotesList | undefined;
  private reportedProblem: string | undefined;
  private reportedOrphans = 0;
  private readonly emitter = new vscode.EventEmitter<NotesList>();
  /** Fires with the resolved notes whenever they change (a write here, another window, a git pull). */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly server: ServerConnection, private readonly mode: DatapathMode) {}

  register(): vscode.Disposable[] {
    void this.server.start().then((client) => {
      if (!client) return;
      client.onNotification(NotesChangedNotification, (list: NotesList) => this.update(list));
      void this.list();
    });
    return [
      this,
      // A restarted server re-reads the notes file; ask for the list again (changes meanwhile are in it).
      this.server.onDidRestart(() => void this.list()),
      vscode.commands.registerCommand(NotesCommands.add, (target?: NoteTarget, place?: NotePlace) => this.add(target, place)),
      vscode.commands.registerCommand(NotesCommands.edit, (id?: string) => this.edit(id)),
      vscode.commands.registerCommand(NotesCommands.delete, (id?: string) => this.remove(id)),
      vscode.commands.registerCommand(EXPORT_GRAPH_COMMAND, () => this.exportGraph()),
      vscode.commands.registerCommand(EXPORT_TRACE_COMMAND, () => this.exportTrace()),
      vscode.commands.registerCommand(REATTACH_COMMAND, () => this.reattach()),
    ];
  }

  dispose(): void { this.emitter.dispose(); }

  /** The notes for the simulator panel's graph (validated again by the webview on receipt). */
  webviewNotes(): WebviewNote[] {
    return (this.latest?.notes ?? []).map((r) => ({
      id: r.note.id, target: r.note.target, text: r.note.text,
      ...(r.note.tag ? { tag: r.note.tag } : {}), ...(r.note.color ? { color: r.note.color } : {}),
      ...(r.status === 'orphaned' ? { orphaned: true } : {}),
    }));
  }

  async setFromWebview(note: { id?: string; target: NoteTargetMessage; text: string; tag?: string }): Promise<void> {
    // An edit keeps the colour the webview does not show an editor for.
    const existing = note.id ? this.latest?.notes.find((r) => r.note.id === note.id)?.note : undefined;
    await this.write(NotesSetRequest, { ...note, ...(existing?.color ? { color: existing.color } : {}) });
  }

  async deleteFromWebview(id: string): Promise<void> { await this.remove(id); }

  async list(): Promise<NotesList | undefined> {
    const list = await this.request<NotesList>(NotesListRequest, {});
    if (list) this.update(list);
    return list;
  }

  /** Adds a note on `target`, or on what is under the cursor (asking which when there are several). */
  async add(target?: NoteTarget, place?: NotePlace): Promise<void> {
    if (!target) {
      const picked = await this.targetAtCursor();
      if (!picked) return;
      ({ target, place } = picked);
    }
    const text = await vscode.window.showInputBox({ title: `Datapath note on ${describeTarget(target)}`, prompt: 'Markdown text of the note', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'The note needs some text') });
    if (text === undefined) return;
    const tag = await vscode.window.showInputBox({ title: 'Tag (optional)', prompt: 'A short tag, e.g. policy or ipv6; leave empty for none', ignoreFocusOut: true });
    if (tag === undefined) return;
    await this.write(NotesSetRequest, { target, text, ...(tag.trim() ? { tag: tag.trim() } : {}), ...(place ? { place } : {}) });
  }

  async edit(id?: string): Promise<void> {
    const resolved = await this.pickNote(id, 'Edit which note?');
    if (!resolved) return;
    const { note } = resolved;
    const text = await vscode.window.showInputBox({ title: `Edit note on ${describeTarget(note.target)}`, value: note.text, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'The note needs some text (use Delete Note to remove it)') });
    if (text === undefined) return;
    await this.write(NotesSetRequest, { id: note.id, target: note.target, text, ...(note.tag ? { tag: note.tag } : {}), ...(note.color ? { color: note.color } : {}) });
  }

  async remove(id?: string): Promise<void> {
    const resolved = await this.pickNote(id, 'Delete which note?');
    if (!resolved) return;
    const answer = await vscode.window.showWarningMessage(`Delete the note on ${describeTarget(resolved.note.target)}?`, { modal: true, detail: resolved.note.text }, 'Delete');
    if (answer === 'Delete') await this.write(NotesDeleteRequest, { id: resolved.note.id });
  }

  /** Orphaned notes (their function or tail call is gone): pick one, then one of its candidates. */
  async reattach(): Promise<void> {
    const list = await this.list();
    const orphans = (list?.notes ?? []).flatMap((r) => (r.status === 'orphaned' ? [r] : []));
    if (!orphans.length) { void vscode.window.showInformationMessage('Datapath: every note is attached.'); return; }
    const picked = await vscode.window.showQuickPick(orphans.map((r) => ({
      label: r.note.text.split('\n')[0] ?? '', description: describeTarget(r.note.target),
      detail: `${r.lastKnown ? `was at ${r.lastKnown.file}:${r.lastKnown.line} · ` : ''}${r.candidates.length} candidate${r.candidates.length === 1 ? '' : 's'}`, r,
    })), { title: 'Re-attach which orphaned note?' });
    if (!picked) return;
    if (!picked.r.candidates.length) { void vscode.window.showInformationMessage('Datapath: no candidate found; the note stays orphaned (edit the notes file to move it).'); return; }
    const candidate = await vscode.window.showQuickPick(picked.r.candidates.map((c) => ({ label: describeTarget(c.target), description: `${c.place.file}:${c.place.line}`, detail: c.reason, c })), { title: 'Attach it to…' });
    if (candidate) await this.write(NotesReattachRequest, { id: picked.r.note.id, target: candidate.c.target, place: candidate.c.place });
  }

  private async targetAtCursor(): Promise<{ target: NoteTarget; place: NotePlace } | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) { void vscode.window.showInformationMessage('Datapath: put the cursor on a function or a tail-call site first.'); return undefined; }
    const pos = editor.selection.active;
    const anchors = await this.request<NoteAnchors>(NotesAnchorsRequest, { uri: editor.document.uri.toString(), position: { line: pos.line, character: pos.character } });
    const choices: Array<{ label: string; target: NoteTarget; file: string; line: number }> = [
      ...(anchors?.edges ?? []).map((e) => ({ label: `$(arrow-right) ${e.caller} → ${e.callee}${e.slot ? ` [${e.slot}]` : ''}${e.object ? ` in ${e.object}` : ''}`, target: { kind: 'edge' as const, caller: e.caller, callee: e.callee, ...(e.slot ? { slot: e.slot } : {}), ...(e.object ? { object: e.object } : {}) }, file: e.file, line: e.range.start.line + 1 })),
      ...(anchors?.nodes ?? []).map((n) => ({ label: `$(symbol-function) ${n.function} (${n.file})`, target: { kind: 'node' as const, function: n.function, file: n.file }, file: n.file, line: n.range.start.line + 1 })),
    ];
    if (!choices.length) { void vscode.window.showInformationMessage('Datapath: no function or tail-call site here to annotate.'); return undefined; }
    const picked = choices.length === 1 ? choices[0] : await vscode.window.showQuickPick(choices, { title: 'Add a datapath note on…' });
    return picked ? { target: picked.target, place: { file: picked.file, line: picked.line } } : undefined;
  }

  private async pickNote(id: string | undefined, title: string) {
    const list = await this.list();
    if (!list) return undefined;
    if (id) {
      const found = list.notes.find((r) => r.note.id === id);
      if (!found) void vscode.window.showWarningMessage('Datapath: that note no longer exists (deleted in another window?).');
      return found;
    }
    const picked = await vscode.window.showQuickPick(list.notes.map((r) => ({
      label: r.note.text.split('\n')[0] ?? '', description: describeTarget(r.note.target), detail: r.status === 'orphaned' ? '$(warning) orphaned' : `${r.place.file}:${r.place.line}`, r,
    })), { title });
    return picked?.r;
  }

  private async write(method: string, params: unknown): Promise<void> {
    const result = await this.request<NotesWriteResult>(method, params);
    if (result && !result.ok) void vscode.window.showErrorMessage(`Datapath note not saved: ${result.error}`);
  }

  private update(list: NotesList): void {
    this.latest = list;
    if (list.problem) {
      const text = `${list.problem.message}`;
      if (text !== this.reportedProblem) {
        this.reportedProblem = text;
        void vscode.window.showWarningMessage(`Datapath notes file is not valid and will not be changed until it is fixed: ${text}`, 'Open File').then((a) => {
          if (a) void vscode.window.showTextDocument(vscode.Uri.file(list.problem!.file), { selection: new vscode.Range(list.problem!.line - 1, list.problem!.column - 1, list.problem!.line - 1, list.problem!.column - 1) });
        });
      }
    } else this.reportedProblem = undefined;
    const orphaned = list.notes.filter((r) => r.status === 'orphaned').length;
    if (orphaned > this.reportedOrphans) {
      void vscode.window.showInformationMessage(`Datapath: ${orphaned} note${orphaned === 1 ? ' is' : 's are'} orphaned (the function or tail call moved or is gone). Nothing was dropped.`, 'Re-attach…')
        .then((a) => { if (a) void this.reattach(); });
    }
    this.reportedOrphans = orphaned;
    this.emitter.fire(list);
  }

  get current(): NotesList | undefined { return this.latest; }

  private async request<R>(method: string, params: unknown): Promise<R | undefined> {
    const client = await this.server.start();
    if (!client) { void vscode.window.showErrorMessage('Datapath: the language server is not running.'); return undefined; }
    try {
      return await client.sendRequest<R>(method, params);
    } catch (err) {
      // Lost with a dying server: the restart is announced once (RestartPolicy), not once per request.
      if (!isConnectionLoss(err)) void vscode.window.showErrorMessage(`Datapath: ${method} failed: ${errorText(err)}`);
      return undefined;
    }
  }

  private async exportGraph(): Promise<void> {
    const format = await vscode.window.showQuickPick(['mermaid', 'dot', 'svg', 'json'], { title: 'Export Tail-Call Graph as…' });
    if (!format) return;
    const graph = await this.server.graph();
    if (!graph) { void vscode.window.showErrorMessage('Datapath: no tail-call graph (the language server is not ready).'); return; }
    const notes = (await this.list())?.notes.map((r) => r.note) ?? [];
    const text = format === 'mermaid' ? toAnnotatedMermaid(graph, notes) : format === 'dot' ? toAnnotatedDot(graph, notes)
      : format === 'svg' ? toAnnotatedSvg(graph, notes) : JSON.stringify({ ...graph, notes: resolveNotes(notes, subjectsFromGraph(graph)) }, null, 2) + '\n';
    const ext = { mermaid: 'mmd', dot: 'dot', svg: 'svg', json: 'json' }[format as 'mermaid' | 'dot' | 'svg' | 'json'];
    await this.save(text, `tail-calls.${ext}`, { [format]: [ext] });
  }

  private async exportTrace(): Promise<void> {
    const picked = await vscode.window.showQuickPick(scenarioSummaries().map((s) => ({ label: s.title, description: s.name, name: s.name })), { title: `Export Trace as Markdown (mode: ${this.mode.current})` });
    if (!picked) return;
    const run = runBuiltin(picked.name, this.mode.current);
    if (!run.ok) { void vscode.window.showErrorMessage(`Datapath: ${run.message}`); return; }
    const target = await vscode.window.showSaveDialog({ defaultUri: this.defaultUri(`${picked.name}.md`), filters: { Markdown: ['md'] } });
    if (!target) return;
    // Each step's function is located by the server ahead of rendering (the renderer is synchronous).
    const root = this.server.state.root;
    const found = new Map<string, FoundFunction>();
    if (root) {
      for (const step of run.trace.hops.flatMap((h) => h.steps)) {
        if (step.kernel || found.has(step.source.function)) continue;
        const r = await this.server.locate({ function: step.source.function, aliases: step.source.aliases, fileHint: step.source.fileHint });
        if (r.found) found.set(step.source.function, { file: path.relative(root, vscode.Uri.parse(r.uri).fsPath).split(path.sep).join('/'), line: r.range.start.line + 1 });
      }
    }
    const notes = (await this.list())?.notes.map((r) => r.note) ?? [];
    const linkBase = root ? path.relative(path.dirname(target.fsPath), root).split(path.sep).join('/') || '.' : undefined;
    const text = traceToMarkdown(run.trace, { locate: (names) => found.get(names[0]!), linkBase, notes });
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    void vscode.window.showInformationMessage(`Datapath: trace written to ${vscode.workspace.asRelativePath(target)}`);
  }

  private async save(text: string, name: string, filters: Record<string, string[]>): Promise<void> {
    const target = await vscode.window.showSaveDialog({ defaultUri: this.defaultUri(name), filters });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    void vscode.window.showInformationMessage(`Datapath: written to ${vscode.workspace.asRelativePath(target)}`);
  }

  private defaultUri(name: string): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return folder ? vscode.Uri.joinPath(folder, name) : undefined;
  }
}
