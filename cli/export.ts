// What `dpnav graph --notes FILE` and `dpnav trace --format markdown [--tree DIR] [--notes FILE]` share:
// reading a notes file given on the command line, and rendering the annotated documents.
import fs from 'node:fs';
import path from 'node:path';
import { DatapathIndex, type Graph } from '../language-server/src/core/index';
import { parseNotesDocument, NotesFileError, type Note } from '../language-server/src/notes/schema';
import { resolveNotes, subjectsFromGraph } from '../language-server/src/notes/resolve';
import { toAnnotatedDot, toAnnotatedMermaid, toAnnotatedSvg } from '../language-server/src/notes/export';
import { traceToMarkdown, type FunctionLocator } from '../language-server/src/notes/trace-markdown';
import type { Trace } from '../simulator/src/trace';

/** The notes of a file named on the command line; a message (with path and line:column) when it cannot be used. */
export function readNotesArg(file: string): Note[] | string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return `${file}: cannot read the notes file (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  try {
    return parseNotesDocument(text, file).notes;
  } catch (err) {
    if (err instanceof NotesFileError) return err.message;
    throw err;
  }
}

export type GraphExportFormat = 'json' | 'dot' | 'mermaid' | 'svg';

/** The graph with its notes: JSON gains `notes` (each attached or orphaned, docs/notes.md). */
export function annotatedGraphText(graph: Graph, notes: Note[], format: GraphExportFormat): string {
  switch (format) {
    case 'json': return JSON.stringify({ ...graph, notes: resolveNotes(notes, subjectsFromGraph(graph)) }, null, 2) + '\n';
    case 'dot': return toAnnotatedDot(graph, notes);
    case 'mermaid': return toAnnotatedMermaid(graph, notes);
    case 'svg': return toAnnotatedSvg(graph, notes);
  }
}

/** The Markdown walk-through; with a tree, each C function links to its definition there. */
export async function traceMarkdownText(trace: Trace, options: { tree?: string; notes?: Note[]; cache?: boolean }): Promise<string> {
  if (!options.tree) return traceToMarkdown(trace, { notes: options.notes });
  const index = await DatapathIndex.open(path.resolve(options.tree), { cacheDir: options.cache === false ? false : undefined, searchDepth: 1 });
  try {
    const locate: FunctionLocator = (names, fileHint) => {
      for (const name of names) {
        const defs = index.functions(name);
        const def = (fileHint ? defs.find((d) => d.file === fileHint || d.file.endsWith(`/${fileHint}`)) : undefined) ?? defs[0];
        if (def) return { file: def.file, line: def.nameRange.start.line + 1 };
      }
      return undefined;
    };
    // Links are relative to the folder the document is read from when the tree was given relatively.
    const base = path.isAbsolute(options.tree) ? index.root : path.relative(process.cwd(), index.root) || '.';
    return traceToMarkdown(trace, { locate, linkBase: base.split(path.sep).join('/'), notes: options.notes });
  } finally {
    await index.close();
  }
}
