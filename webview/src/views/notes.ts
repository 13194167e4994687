// Datapath notes in the panel: which notes belong to a graph node or edge (badges), and the notes pane
// under the graph where the notes of the selected program or tail call are listed, added, edited and
// deleted. Note text is untrusted: it only ever becomes text nodes (h() → textContent), never markup.
import type { NoteTargetMessage, WebviewNote } from '../protocol';
import type { PathEdge, PathNode } from '../graph-path';
import { clear, h } from '../dom';

export interface NotesActions {
  save(target: NoteTargetMessage, text: string, tag: string | undefined, id: string | undefined): void;
  remove(id: string): void;
}

/** Notes on a graph node: node notes on the program's function (and file when the program is known). */
export function notesOnNode(notes: WebviewNote[], n: PathNode): WebviewNote[] {
  return notes.filter((x) => x.target.kind === 'node' && x.target.function === n.name && (!n.program || x.target.file === n.program.file));
}

/** Notes on a graph edge: edge notes with its caller, callee and, when the edge knows them, slot and object. */
export function notesOnEdge(notes: WebviewNote[], e: PathEdge): WebviewNote[] {
  const g = e.edge;
  if (!g) return [];
  return notes.filter((x) => x.target.kind === 'edge' && x.target.caller === g.from && x.target.callee === g.to
    && (x.target.slot === undefined || x.target.slot === g.slot) && (x.target.object === undefined || x.target.object === g.object));
}

export function nodeTarget(n: PathNode): NoteTargetMessage | undefined {
  return n.program ? { kind: 'node', function: n.name, file: n.program.file } : undefined;
}

export function edgeTarget(e: PathEdge): NoteTargetMessage | undefined {
  const g = e.edge;
  if (!g) return undefined;
  return { kind: 'edge', caller: g.from, callee: g.to, ...(g.slot ? { slot: g.slot } : {}), ...(g.object ? { object: g.object } : {}) };
}

export function describe(t: NoteTargetMessage): string {
  return t.kind === 'node' ? `${t.function} (${t.file})` : `${t.caller} → ${t.callee}${t.slot ? ` [${t.slot}]` : ''}${t.object ? ` in ${t.object}` : ''}`;
}

const sameTarget = (a: NoteTargetMessage, b: NoteTargetMessage) => JSON.stringify(a) === JSON.stringify(b);

export class NotesView {
  readonly element: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly list: HTMLElement;
  private readonly text: HTMLTextAreaElement;
  private readonly tag: HTMLInputElement;
  private readonly saveButton: HTMLButtonElement;
  private notes: WebviewNote[] = [];
  private target: NoteTargetMessage | undefined;
  private editing: string | undefined;

  constructor(private readonly actions: NotesActions) {
    this.heading = h('h3', { class: 'notes-heading' }, 'Notes — click 📝 on a program or tail call, or press N on a program');
    this.list = h('ul', { class: 'notes-list', attrs: { 'aria-live': 'polite' } });
    this.text = h('textarea', { class: 'note-text', attrs: { rows: 3, 'aria-label': 'Note text (Markdown)', placeholder: 'Markdown note…', maxlength: 20000 } });
    this.tag = h('input', { class: 'note-tag', attrs: { type: 'text', 'aria-label': 'Tag (optional)', placeholder: 'tag', maxlength: 64 } });
    this.saveButton = h('button', { class: 'note-save', attrs: { type: 'button' }, on: { click: () => this.save() } }, 'Add note');
    const form = h('div', { class: 'note-form' }, this.text, this.tag, this.saveButton);
    this.element = h('section', { class: 'notes-pane', attrs: { 'aria-label': 'Datapath notes' } }, this.heading, this.list, form);
    this.renderList();
  }

  setNotes(notes: WebviewNote[]): void {
    this.notes = notes;
    if (this.editing && !notes.some((n) => n.id === this.editing)) this.stopEditing();
    this.renderList();
  }

  /** Shows the notes of a program or tail call and points the form at it. */
  select(target: NoteTargetMessage): void {
    this.target = target;
    this.stopEditing();
    this.renderList();
    this.text.focus();
  }

  private renderList(): void {
    clear(this.list);
    if (!this.target) { this.setFormEnabled(false); return; }
    this.heading.textContent = `Notes on ${describe(this.target)}`;
    this.setFormEnabled(true);
    const mine = this.notes.filter((n) => sameTarget(n.target, this.target!));
    if (!mine.length) this.list.append(h('li', { class: 'empty' }, 'No notes yet.'));
    for (const n of mine) {
      this.list.append(h('li', { class: 'note', attrs: { 'data-note-id': n.id } },
        n.tag ? h('span', { class: 'note-tag-label' }, n.tag) : null,
        h('span', { class: 'note-body' }, n.text),
        h('button', { class: 'note-edit', attrs: { type: 'button', 'aria-label': 'Edit note' }, on: { click: () => this.startEditing(n) } }, 'Edit'),
        h('button', { class: 'note-delete', attrs: { type: 'button', 'aria-label': 'Delete note' }, on: { click: () => this.actions.remove(n.id) } }, 'Delete')));
    }
  }

  private startEditing(n: WebviewNote): void {
    this.editing = n.id;
    this.text.value = n.text;
    this.tag.value = n.tag ?? '';
    this.saveButton.textContent = 'Save note';
    this.text.focus();
  }

  private stopEditing(): void {
    this.editing = undefined;
    this.text.value = '';
    this.tag.value = '';
    this.saveButton.textContent = 'Add note';
  }

  private save(): void {
    const text = this.text.value;
    if (!this.target || !text.trim()) return;
    const tag = this.tag.value.trim();
    this.actions.save(this.target, text, tag || undefined, this.editing);
    this.stopEditing();
  }

  private setFormEnabled(enabled: boolean): void {
    this.text.disabled = !enabled;
    this.tag.disabled = !enabled;
    this.saveButton.disabled = !enabled;
  }
}
