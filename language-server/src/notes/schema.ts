// The notes file (`.vscode/datapath-notes.json` by default): one reviewable JSON document shared through
// the repository. Documented in docs/notes.md; change both together. Notes are keyed by what they are
// about (a function by name + file, a tail-call edge by caller, callee, slot and object), never by line,
// so they survive edits elsewhere in the file.
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';

export const NOTES_FILE_VERSION = 1;
export const DEFAULT_NOTES_FILE = '.vscode/datapath-notes.json';

/** A function (program or not), by name and the file holding its definition (relative to bpf/). */
export interface NodeTarget { kind: 'node'; function: string; file: string }
/** A tail-call edge: the function containing the site, the program it reaches, the slot as written and
 *  the object the site is resolved in (slot/object absent for a plain call or when not known). */
export interface EdgeTarget { kind: 'edge'; caller: string; callee: string; slot?: string; object?: string }
export type NoteTarget = NodeTarget | EdgeTarget;

export interface NotePlace { file: string; line: number }

export interface Note {
  /** Stable id, unique in the file; merges and deletions go by id. */
  id: string;
  target: NoteTarget;
  /** Markdown as the user wrote it. Untrusted: rendered inert (markdown.ts, textContent in the webview). */
  text: string;
  tag?: string;
  /** `#rgb` or `#rrggbb`. */
  color?: string;
  /** ISO 8601 times. */
  created: string;
  updated: string;
  /** Where the target was when the note was last written or re-attached (1-based line): shown for an orphaned note. */
  lastKnown?: NotePlace;
}

export interface NotesDocument { version: number; notes: Note[] }

/** A malformed or unreadable notes file: path and 1-based line:column of the problem. */
export class NotesFileError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: number, readonly reason: string) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = 'NotesFileError';
  }
}

const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const MAX_TEXT = 20_000;

/** Parses and validates the file's text. Throws NotesFileError naming the first problem's position. */
export function parseNotesDocument(text: string, file: string): NotesDocument {
  const at = (offset: number, reason: string): NotesFileError => {
    const { line, column } = lineColumn(text, offset);
    return new NotesFileError(file, line, column, reason);
  };
  if (!text.trim()) return { version: NOTES_FILE_VERSION, notes: [] };
  const errors: ParseError[] = [];
  // Strict JSON (no comments, no trailing commas): the file is written back by the store, which would drop comments.
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length) throw at(errors[0].offset, `invalid JSON: ${printParseErrorCode(errors[0].error)}`);
  if (!root || root.type !== 'object') throw at(root?.offset ?? 0, 'expected an object { "version": 1, "notes": [ … ] }');
  const version = prop(root, 'version');
  if (!version || version.type !== 'number') throw at(version?.offset ?? root.offset, '"version" must be a number');
  if (version.value !== NOTES_FILE_VERSION) throw at(version.offset, `unsupported version ${String(version.value)} (this build reads version ${NOTES_FILE_VERSION})`);
  const list = prop(root, 'notes');
  if (!list || list.type !== 'array') throw at(list?.offset ?? root.offset, '"notes" must be an array');
  const notes: Note[] = [];
  const ids = new Set<string>();
  for (const item of list.children ?? []) {
    const note = readNote(item, at);
    if (ids.has(note.id)) throw at(prop(item, 'id')!.offset, `duplicate note id '${note.id}'`);
    ids.add(note.id);
    notes.push(note);
  }
  return { version: NOTES_FILE_VERSION, notes };
}

function readNote(item: Node, at: (offset: number, reason: string) => NotesFileError): Note {
  if (item.type !== 'object') throw at(item.offset, 'a note must be an object');
  const str = (node: Node, key: string, required: boolean): string | undefined => {
    const v = prop(node, key);
    if (!v) { if (required) throw at(node.offset, `note is missing "${key}"`); return undefined; }
    if (v.type !== 'string' || (required && !(v.value as string).length)) throw at(v.offset, `"${key}" must be a ${required ? 'non-empty ' : ''}string`);
    return v.value as string;
  };
  const id = str(item, 'id', true)!;
  const targetNode = prop(item, 'target');
  if (!targetNode || targetNode.type !== 'object') throw at(targetNode?.offset ?? item.offset, '"target" must be an object');
  const kind = str(targetNode, 'kind', true);
  let target: NoteTarget;
  if (kind === 'node') {
    target = { kind, function: str(targetNode, 'function', true)!, file: str(targetNode, 'file', true)! };
  } else if (kind === 'edge') {
    const slot = str(targetNode, 'slot', false);
    const object = str(targetNode, 'object', false);
    target = { kind, caller: str(targetNode, 'caller', true)!, callee: str(targetNode, 'callee', true)!, ...(slot ? { slot } : {}), ...(object ? { object } : {}) };
  } else {
    throw at(prop(targetNode, 'kind')!.offset, `"target.kind" must be "node" or "edge", got ${JSON.stringify(kind)}`);
  }
  const text = prop(item, 'text');
  if (!text || text.type !== 'string') throw at(text?.offset ?? item.offset, '"text" must be a string');
  if ((text.value as string).length > MAX_TEXT) throw at(text.offset, `"text" is longer than ${MAX_TEXT} characters`);
  const tag = str(item, 'tag', false);
  const color = str(item, 'color', false);
  if (color !== undefined && !COLOR.test(color)) throw at(prop(item, 'color')!.offset, `"color" must be #rgb or #rrggbb, got ${JSON.stringify(color)}`);
  const note: Note = {
    id, target, text: text.value as string,
    ...(tag ? { tag } : {}), ...(color ? { color } : {}),
    created: str(item, 'created', true)!, updated: str(item, 'updated', true)!,
  };
  const last = prop(item, 'lastKnown');
  if (last) {
    const line = prop(last, 'line');
    if (last.type !== 'object' || !line || line.type !== 'number' || !Number.isInteger(line.value) || (line.value as number) < 1) {
      throw at(last.offset, '"lastKnown" must be { "file": string, "line": positive integer }');
    }
    note.lastKnown = { file: str(last, 'file', true)!, line: line.value as number };
  }
  return note;
}

/** Checks a note coming from a client (LSP request, webview message); returns the reason it is invalid. */
export function invalidNoteInput(input: { target?: unknown; text?: unknown; tag?: unknown; color?: unknown }): string | undefined {
  const t = input.target as Record<string, unknown> | undefined;
  if (!t || typeof t !== 'object') return 'target must be an object';
  const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length < 512;
  if (t.kind === 'node') {
    if (!nonEmpty(t.function) || !nonEmpty(t.file)) return 'a node target needs function and file';
  } else if (t.kind === 'edge') {
    if (!nonEmpty(t.caller) || !nonEmpty(t.callee)) return 'an edge target needs caller and callee';
    if (t.slot !== undefined && !nonEmpty(t.slot)) return 'slot must be a non-empty string';
    if (t.object !== undefined && !nonEmpty(t.object)) return 'object must be a non-empty string';
  } else return 'target.kind must be "node" or "edge"';
  if (typeof input.text !== 'string' || !input.text.trim()) return 'text must be a non-empty string';
  if (input.text.length > MAX_TEXT) return `text is longer than ${MAX_TEXT} characters`;
  if (input.tag !== undefined && (typeof input.tag !== 'string' || input.tag.length > 64)) return 'tag must be a string of at most 64 characters';
  if (input.color !== undefined && (typeof input.color !== 'string' || !COLOR.test(input.color))) return 'color must be #rgb or #rrggbb';
  return undefined;
}

/** The file's text as the store writes it: stable key order, notes sorted by id, two-space indent, final newline. */
export function serializeNotesDocument(notes: Note[]): string {
  const ordered = [...notes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((n) => ({
    id: n.id,
    target: n.target.kind === 'node'
      ? { kind: 'node', function: n.target.function, file: n.target.file }
      : { kind: 'edge', caller: n.target.caller, callee: n.target.callee, ...(n.target.slot ? { slot: n.target.slot } : {}), ...(n.target.object ? { object: n.target.object } : {}) },
    text: n.text,
    ...(n.tag ? { tag: n.tag } : {}),
    ...(n.color ? { color: n.color } : {}),
    created: n.created,
    updated: n.updated,
    ...(n.lastKnown ? { lastKnown: { file: n.lastKnown.file, line: n.lastKnown.line } } : {}),
  }));
  return JSON.stringify({ version: NOTES_FILE_VERSION, notes: ordered }, null, 2) + '\n';
}

export function sameTarget(a: NoteTarget, b: NoteTarget): boolean {
  if (a.kind === 'node' && b.kind === 'node') return a.function === b.function && a.file === b.file;
  if (a.kind === 'edge' && b.kind === 'edge') return a.caller === b.caller && a.callee === b.callee && a.slot === b.slot && a.object === b.object;
  return false;
}

export function describeTarget(t: NoteTarget): string {
  return t.kind === 'node' ? `${t.function} (${t.file})`
    : `${t.caller} → ${t.callee}${t.slot ? ` [${t.slot}]` : ''}${t.object ? ` in ${t.object}` : ''}`;
}

function prop(node: Node, key: string): Node | undefined {
  if (node.type !== 'object') return undefined;
  for (const p of node.children ?? []) {
    if (p.children?.[0]?.value === key) return p.children[1];
  }
  return undefined;
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
  }
  return { line, column: offset - lineStart + 1 };
}
