// Whole-word occurrences of an identifier in the code of every file (comments and string literals
// skipped), for find-references. Per-file line starts, comment/string spans and the set of identifiers
// a file holds are computed on first use and dropped when the file changes, so an edit costs nothing
// until the next search, and a search only reads the files that hold the name.
import type { Span } from './analysis';

interface FileText {
  text: string;
  lineStarts?: number[];
  /** Sorted, non-overlapping [start, end) offsets of comments and string/char literals. */
  skipped?: number[];
  /** Every identifier-like word of the text (comments included): a file without the name is skipped. */
  words?: Set<string>;
}

export class TextIndex {
  private files = new Map<string, FileText>();

  set(file: string, text: string): void { this.files.set(file, { text }); }
  delete(file: string): void { this.files.delete(file); }
  has(file: string): boolean { return this.files.has(file); }
  text(file: string): string | undefined { return this.files.get(file)?.text; }

  /** Precomputes the per-file tables of up to `count` files; false once every file has them. */
  warm(count: number): boolean {
    let left = count;
    for (const f of this.files.values()) {
      if (f.words && f.skipped && f.lineStarts) continue;
      if (left-- === 0) return true;
      f.words ??= wordsOf(f.text);
      f.skipped ??= skippedSpans(f.text);
      f.lineStarts ??= lineStarts(f.text);
    }
    return false;
  }

  occurrences(name: string): Array<{ file: string; range: Span }> {
    const out: Array<{ file: string; range: Span }> = [];
    if (!/^[A-Za-z_]\w*$/.test(name)) return out;
    for (const [file, f] of this.files) {
      if (!(f.words ??= wordsOf(f.text)).has(name)) continue;
      let at = f.text.indexOf(name);
      while (at >= 0) {
        const end = at + name.length;
        if (!isWord(f.text.charCodeAt(at - 1)) && !isWord(f.text.charCodeAt(end)) && !inSkipped(f, at)) {
          out.push({ file, range: { start: this.position(f, at), end: this.position(f, end) } });
        }
        at = f.text.indexOf(name, end);
      }
    }
    return out;
  }

  /** The identifier under (or just before) a position, with its range (comments included: Cilium's
   *  comments name programs, e.g. after a tail call). */
  wordAt(file: string, pos: { line: number; character: number }): { name: string; range: Span } | undefined {
    const f = this.files.get(file);
    if (!f) return undefined;
    const offset = this.offsetAt(file, pos);
    let start = offset, end = offset;
    while (start > 0 && isWord(f.text.charCodeAt(start - 1))) start--;
    while (end < f.text.length && isWord(f.text.charCodeAt(end))) end++;
    if (start === end) return undefined;
    const first = f.text.charCodeAt(start);
    if (first >= 48 && first <= 57) return undefined;
    return { name: f.text.slice(start, end), range: { start: this.position(f, start), end: this.position(f, end) } };
  }

  /** Offset of a 0-based position in a file, or -1 when the file is unknown. */
  offsetAt(file: string, pos: { line: number; character: number }): number {
    const f = this.files.get(file);
    if (!f) return -1;
    const starts = (f.lineStarts ??= lineStarts(f.text));
    const start = starts[pos.line];
    return start === undefined ? f.text.length : Math.min(start + pos.character, f.text.length);
  }

  /** 0-based position of an offset in a known file. */
  positionOf(file: string, offset: number): { line: number; character: number } {
    const f = this.files.get(file);
    return f ? this.position(f, offset) : { line: 0, character: 0 };
  }

  /** 0-based line/character of an offset. */
  private position(f: FileText, offset: number): { line: number; character: number } {
    const starts = (f.lineStarts ??= lineStarts(f.text));
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo, character: offset - starts[lo]! };
  }
}

function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function wordsOf(text: string): Set<string> {
  const words = new Set<string>();
  const n = text.length;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (!isWord(c)) { i++; continue; }
    let end = i + 1;
    while (end < n && isWord(text.charCodeAt(end))) end++;
    if (c < 48 || c > 57) words.add(text.slice(i, end));
    i = end;
  }
  return words;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function inSkipped(f: FileText, offset: number): boolean {
  return inSpans((f.skipped ??= skippedSpans(f.text)), offset);
}

function inSpans(spans: readonly number[], offset: number): boolean {
  let lo = 0, hi = spans.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (offset < spans[2 * mid]!) hi = mid - 1;
    else if (offset >= spans[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Whether an offset of `text` lies in a comment or a string/char literal. */
export function codeMask(text: string): (offset: number) => boolean {
  const spans = skippedSpans(text);
  return (offset) => inSpans(spans, offset);
}

/** Comments and string/char literals, as a flat [start0, end0, start1, end1, …] list. */
function skippedSpans(text: string): number[] {
  const spans: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      const start = i;
      // A line comment ends at a newline not escaped by a backslash.
      for (i += 2; i < n; i++) if (text.charCodeAt(i) === 10 && text.charCodeAt(i - 1) !== 92) break;
      spans.push(start, i);
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      spans.push(i, end);
      i = end;
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      const start = i;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) { i++; continue; }
        if (d === c || d === 10) break;
      }
      i++;
      spans.push(start, Math.min(i, n));
    } else {
      i++;
    }
  }
  return spans;
}
