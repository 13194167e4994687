// The notes store: reads, merges and writes the notes file. Pure Node (no LSP, no VS Code), used by the
// server, the CLI and the tests.
//
// Safety rules (docs/notes.md):
// - every change is an operation (set one note, delete one note) applied to the file as it is on disk
//   right before the write, never a rewrite of this instance's copy: two windows editing at once lose
//   nothing, and for one note the last writer wins;
// - a lock file (`<file>.lock`, created exclusively) serialises writers across processes for the few
//   milliseconds of read-merge-write; a lock older than STALE_LOCK_MS is taken over (a crashed writer);
// - the write goes to a temporary file in the same folder and is renamed over the notes file (atomic);
// - a malformed or unreadable file is reported (NotesFileError: path, line:column) and never written:
//   every write is refused until the user fixes it.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  NotesFileError, invalidNoteInput, parseNotesDocument, serializeNotesDocument, type Note, type NotePlace, type NoteTarget,
} from './schema';

const LOCK_WAIT_MS = 3000;
const STALE_LOCK_MS = 10_000;
/** A notes file larger than this is refused (not read, never written): it is workspace input, read on every change. */
export const MAX_NOTES_BYTES = 16 * 1024 * 1024;

export type NotesState =
  | { ok: true; notes: Note[] }
  | { ok: false; error: NotesFileError; notes: Note[] };

export interface NoteInput {
  /** Absent: a new note. Present: edit that note (created again if another window deleted it meanwhile). */
  id?: string;
  target: NoteTarget;
  text: string;
  tag?: string;
  color?: string;
  /** Where the target is now (1-based): kept as the note's last known place. */
  place?: NotePlace;
}

export interface NotesStoreOptions {
  now?: () => Date;
  newId?: () => string;
}

export class NotesStore {
  private current: NotesState = { ok: true, notes: [] };
  private lastText: string | undefined;
  private watching?: () => void;

  constructor(readonly file: string, private readonly options: NotesStoreOptions = {}) {
    this.reload();
  }

  get state(): NotesState { return this.current; }
  get notes(): Note[] { return this.current.notes; }

  /** Re-reads the file. A malformed file keeps the last good notes visible, with the error. */
  reload(): NotesState {
    try {
      const { notes, text } = this.readDisk();
      this.lastText = text;
      this.current = { ok: true, notes };
    } catch (err) {
      this.current = { ok: false, error: asFileError(err, this.file), notes: this.current.notes };
    }
    return this.current;
  }

  /** Creates or edits a note. Throws NotesFileError (file malformed or unwritable) or Error (invalid input). */
  set(input: NoteInput): Note {
    const invalid = invalidNoteInput(input);
    if (invalid) throw new Error(`invalid note: ${invalid}`);
    let written: Note | undefined;
    this.transact((notes) => {
      const now = this.now();
      const existing = input.id ? notes.find((n) => n.id === input.id) : undefined;
      const note: Note = {
        id: existing?.id ?? input.id ?? this.newId(),
        target: input.target,
        text: input.text,
        ...(input.tag ? { tag: input.tag } : {}),
        ...(input.color ? { color: input.color } : {}),
        created: existing?.created ?? now,
        updated: now,
        ...(input.place ? { lastKnown: input.place } : existing?.lastKnown ? { lastKnown: existing.lastKnown } : {}),
      };
      written = note;
      return [...notes.filter((n) => n.id !== note.id), note];
    });
    return written!;
  }

  /** Deletes a note by id; false when no such note is on disk (already deleted elsewhere). */
  delete(id: string): boolean {
    let found = false;
    this.transact((notes) => {
      found = notes.some((n) => n.id === id);
      return found ? notes.filter((n) => n.id !== id) : undefined;
    });
    return found;
  }

  /** Moves an (orphaned) note to a new target, keeping its text. */
  reattach(id: string, target: NoteTarget, place?: NotePlace): Note | undefined {
    let moved: Note | undefined;
    this.transact((notes) => {
      const note = notes.find((n) => n.id === id);
      if (!note) return undefined;
      moved = { ...note, target, updated: this.now(), ...(place ? { lastKnown: place } : {}) };
      return notes.map((n) => (n.id === id ? moved! : n));
    });
    return moved;
  }

  /** Calls onChange when the file's content changes on disk (another window, a git pull, an editor).
   *  Polls the file's stat, so it works when the file or its folder does not exist yet. */
  watch(onChange: (state: NotesState) => void, intervalMs = 500): () => void {
    this.watching?.();
    const listener = () => {
      const before = this.lastText;
      const wasOk = this.current.ok;
      const state = this.reload();
      if (this.lastText !== before || state.ok !== wasOk || !state.ok) onChange(state);
    };
    fs.watchFile(this.file, { interval: intervalMs, persistent: false }, listener);
    // watchFile takes its first stat asynchronously: a write landing before it would never be reported.
    const first = setImmediate(listener);
    this.watching = () => { clearImmediate(first); fs.unwatchFile(this.file, listener); this.watching = undefined; };
    return this.watching;
  }

  dispose(): void { this.watching?.(); }

  /** Lock, read the file as it is now, apply the change, write atomically, unlock. */
  private transact(change: (notes: Note[]) => Note[] | undefined): void {
    const release = this.lock();
    try {
      let disk: { notes: Note[]; text: string | undefined };
      try {
        disk = this.readDisk();
      } catch (err) {
        const error = asFileError(err, this.file);
        this.current = { ok: false, error, notes: this.current.notes };
        throw error;
      }
      const next = change(disk.notes);
      if (!next) {
        this.lastText = disk.text;
        this.current = { ok: true, notes: disk.notes };
        return;
      }
      const text = serializeNotesDocument(next);
      writeAtomically(this.file, text);
      this.lastText = text;
      this.current = { ok: true, notes: parseNotesDocument(text, this.file).notes };
    } finally {
      release();
    }
  }

  private readDisk(): { notes: Note[]; text: string | undefined } {
    let text: string;
    try {
      const size = fs.statSync(this.file).size;
      if (size > MAX_NOTES_BYTES) {
        throw new NotesFileError(this.file, 1, 1, `the notes file is ${(size / 1048576).toFixed(1)} MB; notes files over ${MAX_NOTES_BYTES / 1048576} MB are not read (nor written)`);
      }
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if (err instanceof NotesFileError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { notes: [], text: undefined };
      throw new NotesFileError(this.file, 1, 1, `cannot read the notes file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    return { notes: parseNotesDocument(text, this.file).notes, text };
  }

  private lock(): () => void {
    const lockFile = `${this.file}.lock`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fd = fs.openSync(lockFile, 'wx');
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        return () => { try { fs.unlinkSync(lockFile); } catch { /* taken over as stale: nothing to release */ } };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new NotesFileError(this.file, 1, 1, `cannot create the lock file ${lockFile} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        }
      }
      try {
        if (Date.now() - fs.statSync(lockFile).mtimeMs > STALE_LOCK_MS) { fs.unlinkSync(lockFile); continue; }
      } catch { continue; /* released meanwhile */ }
      if (Date.now() > deadline) throw new NotesFileError(this.file, 1, 1, `another writer holds ${lockFile}; try again (delete it if no editor is writing notes)`);
      sleepSync(15);
    }
  }

  private now(): string { return (this.options.now?.() ?? new Date()).toISOString(); }
  private newId(): string { return this.options.newId?.() ?? randomUUID().slice(0, 13); }
}

function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
    throw new NotesFileError(file, 1, 1, `cannot write the notes file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function asFileError(err: unknown, file: string): NotesFileError {
  return err instanceof NotesFileError ? err : new NotesFileError(file, 1, 1, err instanceof Error ? err.message : String(err));
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void { Atomics.wait(sleeper, 0, 0, ms); }

/** The notes file for a workspace folder: the setting (absolute, or relative to the folder) or the default. */
export function notesFilePath(workspaceFolder: string, setting?: string): string {
  const rel = setting?.trim() || '.vscode/datapath-notes.json';
  return path.isAbsolute(rel) ? rel : path.join(workspaceFolder, rel);
}
