// Notes in the language server: owns the NotesStore of the workspace (dpnav.notesFile, default
// .vscode/datapath-notes.json), watches the file, answers dpnav/notes/* requests, offers code actions
// ("Add datapath note…", "Edit note", "Delete note"), and adds the notes to hovers and code lenses.
// The store lives on the server thread (file I/O is small and synchronous); what the notes are about is
// asked of the analysis through features (noteAnchorsAt, noteAnchorsInFile, resolveNotes).
import type { CodeAction, CodeLens, Connection, Hover, Position } from 'vscode-languageserver/node';
import { MarkupKind } from 'vscode-languageserver/node';
import path from 'node:path';
import type { IndexHost } from './index-host';
import { NotesStore, notesFilePath, type NoteInput, type NotesState } from '../notes/store';
import { describeTarget, invalidNoteInput, NotesFileError, type Note, type NoteTarget } from '../notes/schema';
import { inertMarkdown, noteSummary } from '../notes/markdown';
import type { EdgeAnchor, NoteAnchors, NodeAnchor } from '../notes/subjects';
import {
  NotesAnchorsRequest, NotesChangedNotification, NotesCommands, NotesDeleteRequest, NotesListRequest, NotesReattachRequest,
  NotesSetRequest, type NotesAnchorsParams, type NotesList, type NotesWriteResult,
} from '../notes/protocol';

const MAX_ACTIONS_PER_KIND = 6;

export class NotesService {
  private store?: NotesStore;
  private folder?: string;
  private setting?: string;

  constructor(private readonly connection: Connection, private readonly host: IndexHost) {}

  /** At initialize: the first workspace folder and the `notesFile` option (initializationOptions or `dpnav` section). */
  initialize(folders: string[], options: unknown): void {
    this.folder = folders[0];
    this.setting = readNotesSetting(options);
    this.open();
  }

  /** A settings change: a new notesFile switches files and tells the client. */
  configure(settings: unknown): void {
    const next = readNotesSetting(settings);
    if (next === undefined || next === this.setting) return;
    this.setting = next;
    this.open();
    void this.notifyChanged();
  }

  dispose(): void { this.store?.dispose(); }

  register(): void {
    const c = this.connection;
    c.onRequest(NotesListRequest, () => this.list());
    c.onRequest(NotesSetRequest, (p: unknown) => this.write(() => {
      const input = p as NoteInput;
      const invalid = typeof p !== 'object' || p === null ? 'params must be an object' : invalidNoteInput(input)
        ?? (input.id !== undefined && (typeof input.id !== 'string' || !input.id) ? 'id must be a non-empty string' : undefined)
        ?? invalidPlace(input.place);
      if (invalid) return { ok: false, error: `invalid dpnav/notes/set params: ${invalid}` };
      const { id, target, text, tag, color, place } = input;
      return { ok: true, note: this.requireStore().set({ id, target, text, tag, color, place }) };
    }));
    c.onRequest(NotesDeleteRequest, (p: unknown) => this.write(() => {
      const id = (p as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || !id) return { ok: false, error: 'invalid dpnav/notes/delete params: id must be a non-empty string' };
      return { ok: true, deleted: this.requireStore().delete(id) };
    }));
    c.onRequest(NotesReattachRequest, (p: unknown) => this.write(() => {
      const params = p as { id?: unknown; target?: unknown; place?: unknown } | null;
      const invalid = typeof params?.id !== 'string' ? 'id must be a string' : invalidNoteInput({ target: params.target, text: 'x' }) ?? invalidPlace(params.place);
      if (invalid || !params) return { ok: false, error: `invalid dpnav/notes/reattach params: ${invalid}` };
      const note = this.requireStore().reattach(params.id as string, params.target as NoteTarget, params.place as NoteInput['place']);
      return note ? { ok: true, note } : { ok: false, error: `no note with id '${String(params.id)}'` };
    }));
    c.onRequest(NotesAnchorsRequest, async (p: NotesAnchorsParams): Promise<NoteAnchors> => {
      const file = p?.uri ? this.host.mapper?.relative(p.uri) : undefined;
      if (file === undefined || !p.position) return { nodes: [], edges: [] };
      return this.host.query('noteAnchorsAt', { file, position: p.position }, { nodes: [], edges: [] });
    });
    c.onCodeAction(async (p) => {
      const file = this.host.mapper?.relative(p.textDocument.uri);
      if (file === undefined || !this.store) return [];
      const anchors = await this.host.query('noteAnchorsAt', { file, position: p.range.start }, { nodes: [], edges: [] });
      return this.codeActions(anchors, file, p.range.start);
    });
  }

  async list(): Promise<NotesList> {
    const state: NotesState = this.store?.state ?? { ok: true, notes: [] };
    await this.host.settled();
    const notes = await this.host.query('resolveNotes', { notes: state.notes },
      state.notes.map((note) => ({ note, status: 'orphaned' as const, candidates: [], ...(note.lastKnown ? { lastKnown: note.lastKnown } : {}) })));
    return {
      file: this.store?.file ?? '',
      ...(state.ok ? {} : { problem: { file: state.error.file, line: state.error.line, column: state.error.column, message: state.error.message } }),
      notes,
    };
  }

  /** The hover with the notes of what is under the cursor appended (inert Markdown). */
  async decorateHover(hover: Hover | null, file: string, position: Position): Promise<Hover | null> {
    const notes = this.store?.notes ?? [];
    if (!notes.length) return hover;
    const anchors = await this.host.query('noteAnchorsAt', { file, position }, { nodes: [], edges: [] });
    const found = notesFor(notes, anchors);
    if (!found.length) return hover;
    const section = ['**📝 Notes**', ...found.map(({ note, about }) => `${about ? `_${inertMarkdown(about)}_ — ` : ''}${note.tag ? `**${inertMarkdown(note.tag)}** · ` : ''}${inertMarkdown(note.text)}`)].join('\n\n');
    if (!hover) return { contents: { kind: MarkupKind.Markdown, value: section } };
    const previous = typeof hover.contents === 'object' && 'value' in hover.contents && !Array.isArray(hover.contents) ? hover.contents.value : '';
    return { ...hover, contents: { kind: MarkupKind.Markdown, value: `${previous}\n\n---\n\n${section}` } };
  }

  /** Code lenses plus one title lens per note on a function or tail-call site of the file. */
  async decorateLenses(lenses: CodeLens[], file: string, withCommands: boolean): Promise<CodeLens[]> {
    const notes = this.store?.notes ?? [];
    if (!notes.length) return lenses;
    const anchors = await this.host.query('noteAnchorsInFile', { file }, { nodes: [], edges: [] });
    const extra: CodeLens[] = [];
    for (const a of [...anchors.nodes, ...anchors.edges]) {
      for (const { note } of notesFor(notes, 'function' in a ? { nodes: [a], edges: [] } : { nodes: [], edges: [a] })) {
        const title = `📝 ${note.tag ? `[${note.tag}] ` : ''}${noteSummary(note.text)}`;
        extra.push({ range: a.range, command: withCommands ? { title, command: NotesCommands.edit, arguments: [note.id] } : { title, command: '' } });
      }
    }
    return [...lenses, ...extra];
  }

  private codeActions(anchors: NoteAnchors, file: string, at: Position): CodeAction[] {
    const notes = this.store?.notes ?? [];
    const actions: CodeAction[] = [];
    const place = { file, line: at.line + 1 };
    const targets: NoteTarget[] = [
      ...anchors.nodes.filter((n) => n.file === file || anchors.nodes.length === 1).slice(0, MAX_ACTIONS_PER_KIND).map(nodeTarget),
      ...anchors.edges.slice(0, MAX_ACTIONS_PER_KIND).map(edgeTarget),
    ];
    const several = targets.length > 1;
    for (const target of targets) {
      actions.push({ title: `Add datapath note${several ? ` on ${describeTarget(target)}` : ''}…`, command: { title: 'Add datapath note…', command: NotesCommands.add, arguments: [target, place] } });
    }
    for (const { note } of notesFor(notes, anchors).slice(0, MAX_ACTIONS_PER_KIND)) {
      const summary = noteSummary(note.text, 40);
      actions.push({ title: `Edit note: ${summary}`, command: { title: 'Edit note', command: NotesCommands.edit, arguments: [note.id] } });
      actions.push({ title: `Delete note: ${summary}`, command: { title: 'Delete note', command: NotesCommands.delete, arguments: [note.id] } });
    }
    return actions;
  }

  private async write(op: () => NotesWriteResult): Promise<NotesWriteResult> {
    let result: NotesWriteResult;
    try {
      result = op();
    } catch (err) {
      result = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    if (result.ok) void this.notifyChanged();
    return result;
  }

  private requireStore(): NotesStore {
    if (!this.store) throw new Error('no workspace folder: set dpnav.notesFile to an absolute path');
    return this.store;
  }

  private open(): void {
    this.store?.dispose();
    this.store = undefined;
    const file = this.folder ? notesFilePath(this.folder, this.setting) : this.setting && path.isAbsolute(this.setting) ? this.setting : undefined;
    if (!file) return;
    this.store = new NotesStore(file);
    if (!this.store.state.ok) this.reportProblem(this.store.state.error);
    this.store.watch((state) => {
      if (!state.ok) this.reportProblem(state.error);
      void this.notifyChanged();
    });
  }

  private reportProblem(error: NotesFileError): void {
    this.connection.console.error(`dpnav: notes file not used until fixed (it is never overwritten): ${error.message}`);
  }

  private async notifyChanged(): Promise<void> {
    try {
      await this.connection.sendNotification(NotesChangedNotification, await this.list());
    } catch (err) {
      this.connection.console.error(`dpnav: notes: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function notesFor(notes: Note[], anchors: NoteAnchors): Array<{ note: Note; about?: string }> {
  const out: Array<{ note: Note; about?: string }> = [];
  for (const note of notes) {
    const t = note.target;
    if (t.kind === 'node' && anchors.nodes.some((a: NodeAnchor) => a.function === t.function && a.file === t.file)) {
      out.push({ note, ...(anchors.nodes.length > 1 ? { about: t.file } : {}) });
    } else if (t.kind === 'edge' && anchors.edges.some((a: EdgeAnchor) => a.caller === t.caller && a.callee === t.callee && a.slot === t.slot && a.object === t.object)) {
      out.push({ note, about: describeTarget(t) });
    }
  }
  return out;
}

const nodeTarget = (a: NodeAnchor): NoteTarget => ({ kind: 'node', function: a.function, file: a.file });
const edgeTarget = (a: EdgeAnchor): NoteTarget => ({ kind: 'edge', caller: a.caller, callee: a.callee, ...(a.slot ? { slot: a.slot } : {}), ...(a.object ? { object: a.object } : {}) });

function invalidPlace(place: unknown): string | undefined {
  if (place === undefined) return undefined;
  const p = place as { file?: unknown; line?: unknown };
  return typeof p !== 'object' || p === null || typeof p.file !== 'string' || !Number.isInteger(p.line) || (p.line as number) < 1
    ? 'place must be { file: string, line: positive integer }' : undefined;
}

function readNotesSetting(raw: unknown): string | undefined {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const section = (typeof o.dpnav === 'object' && o.dpnav !== null ? o.dpnav : o) as Record<string, unknown>;
  return typeof section.notesFile === 'string' && section.notesFile.trim() ? section.notesFile.trim() : undefined;
}
