// The notes messages between the language server and its clients (docs/lsp.md, "Notes"). Plain types and
// method names only, so the extension and the tests can import this file without the server.
import type { Note, NotePlace, NoteTarget } from './schema';
import type { ResolvedNote } from './resolve';
import type { NoteAnchors } from './subjects';
import type { NoteInput } from './store';

export type { Note, NotePlace, NoteTarget, ResolvedNote, NoteAnchors, NoteInput };

export interface NotesFileProblem { file: string; line: number; column: number; message: string }

/** `dpnav/notes/list` (no params) → the notes resolved against the current index; also the payload of
 *  the `dpnav/notes/changed` notification, sent when the file changes on disk or through a request. */
export const NotesListRequest = 'dpnav/notes/list';
export const NotesChangedNotification = 'dpnav/notes/changed';
export interface NotesList {
  /** Absolute path of the notes file. */
  file: string;
  /** Set while the file is malformed or unreadable; writes are refused until it is fixed. */
  problem?: NotesFileProblem;
  notes: ResolvedNote[];
}

/** `dpnav/notes/set`: create (no id) or edit (id) a note. */
export const NotesSetRequest = 'dpnav/notes/set';
/** `dpnav/notes/delete`: { id }. */
export const NotesDeleteRequest = 'dpnav/notes/delete';
export interface NotesDeleteParams { id: string }
/** `dpnav/notes/reattach`: move an orphaned note to a candidate target. */
export const NotesReattachRequest = 'dpnav/notes/reattach';
export interface NotesReattachParams { id: string; target: NoteTarget; place?: NotePlace }
export type NotesWriteResult = { ok: true; note?: Note; deleted?: boolean } | { ok: false; error: string };

/** `dpnav/notes/anchors`: what a note at this position would be about (functions, tail-call edges). */
export const NotesAnchorsRequest = 'dpnav/notes/anchors';
export interface NotesAnchorsParams { uri: string; position: { line: number; character: number } }

/** Commands the server's code actions and lenses carry; the client implements them (the VS Code
 *  extension prompts for the text and sends dpnav/notes/set or delete). */
export const NotesCommands = {
  /** Arguments: [target: NoteTarget, place?: NotePlace] */
  add: 'dpnav.notes.add',
  /** Arguments: [id: string] */
  edit: 'dpnav.notes.edit',
  /** Arguments: [id: string] */
  delete: 'dpnav.notes.delete',
} as const;
