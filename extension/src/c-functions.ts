// A light scan of C text for top-level function definitions, good enough to place code lenses and to find
// "the function at the cursor" without waiting for the language server. No vscode import, so it is unit-tested
// directly. It tracks brace depth outside comments, strings and preprocessor lines; a definition is a top-level
// `{` whose header (the text since the previous top-level `;` or `}`) ends with a parenthesised parameter list.

export interface FunctionSpan {
  name: string;
  /** 0-based line of the function's name. */
  nameLine: number;
  /** 0-based column of the function's name. */
  nameColumn: number;
  /** 0-based line of the opening brace of the body. */
  bodyStartLine: number;
  /** 0-based line of the closing brace (the last line when the body is never closed). */
  endLine: number;
}

const IDENTIFIER_BEFORE = /([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const NOT_FUNCTIONS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', '__attribute__', 'defined']);

/** Every top-level function definition in `text`, in source order. */
export function findFunctionDefinitions(text: string): FunctionSpan[] {
  const spans: FunctionSpan[] = [];
  // The header of the next top-level construct, with comment/string/preprocessor text blanked to spaces so
  // offsets into it map back to the source.
  let header = '';
  let headerStart = 0;
  let depth = 0;
  let open: { name: string; nameOffset: number; bodyOffset: number } | undefined;
  const lineStarts = computeLineStarts(text);
  let i = 0;
  let atLineStart = true;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (atLineStart && /^[ \t]*#/.test(text.slice(i, i + 80))) {
      // Preprocessor line (with backslash continuations): not part of any header.
      const end = endOfPreprocessorLine(text, i);
      if (depth === 0) header += ' '.repeat(end - i);
      i = end;
      continue;
    }
    atLineStart = c === '\n';
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      if (depth === 0) header += blank(text.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      if (depth === 0) header += ' '.repeat(stop - i);
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      const stop = endOfQuoted(text, i);
      if (depth === 0) header += ' '.repeat(stop - i);
      i = stop;
      continue;
    }
    if (c === '{') {
      if (depth === 0) {
        const found = functionNameOfHeader(header);
        open = found ? { name: found.name, nameOffset: headerStart + found.offset, bodyOffset: i } : undefined;
      }
      depth++;
    } else if (c === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        if (open) spans.push(toSpan(open, i, lineStarts));
        open = undefined;
        header = '';
        headerStart = i + 1;
        i++;
        continue;
      }
    } else if (c === ';' && depth === 0) {
      header = '';
      headerStart = i + 1;
      i++;
      continue;
    }
    if (depth === 0) header += c;
    i++;
  }
  if (open) spans.push(toSpan(open, text.length - 1, lineStarts));
  return spans;
}

/** The definition whose span (name line through closing brace) holds the 0-based `line`, if any. */
export function functionAtLine(spans: FunctionSpan[], line: number): FunctionSpan | undefined {
  return spans.find((s) => line >= s.nameLine && line <= s.endLine);
}

/** The C identifier at `column` of `lineText`, if the column touches one. */
export function identifierAt(lineText: string, column: number): string | undefined {
  const re = /[A-Za-z_][A-Za-z0-9_]*/g;
  for (let m = re.exec(lineText); m; m = re.exec(lineText)) {
    if (column >= m.index && column <= m.index + m[0].length) return m[0];
  }
  return undefined;
}

function functionNameOfHeader(header: string): { name: string; offset: number } | undefined {
  const trimmed = header.replace(/\s+$/, '');
  if (!trimmed.endsWith(')')) return undefined;
  // Walk back to the '(' matching the final ')': the parameter list.
  let depth = 0;
  let k = trimmed.length - 1;
  for (; k >= 0; k--) {
    if (trimmed[k] === ')') depth++;
    else if (trimmed[k] === '(' && --depth === 0) break;
  }
  if (k <= 0) return undefined;
  const m = IDENTIFIER_BEFORE.exec(trimmed.slice(0, k));
  if (!m || NOT_FUNCTIONS.has(m[1])) return undefined;
  // A macro-style attribute before the name (e.g. __section("tc")) leaves the name as the last identifier
  // before the parameter list; a declaration needs at least a type before the name.
  const before = trimmed.slice(0, m.index).trim();
  if (!before || before.endsWith('=') || before.endsWith(',')) return undefined;
  return { name: m[1], offset: m.index };
}

function toSpan(open: { name: string; nameOffset: number; bodyOffset: number }, endOffset: number, lineStarts: number[]): FunctionSpan {
  const namePos = position(lineStarts, open.nameOffset);
  return {
    name: open.name,
    nameLine: namePos.line,
    nameColumn: namePos.column,
    bodyStartLine: position(lineStarts, open.bodyOffset).line,
    endLine: position(lineStarts, endOffset).line,
  };
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function position(lineStarts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: offset - lineStarts[lo] };
}

function endOfPreprocessorLine(text: string, from: number): number {
  let i = from;
  for (;;) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    let k = nl - 1;
    if (text[k] === '\r') k--;
    if (text[k] !== '\\') return nl;
    i = nl + 1;
  }
}

function endOfQuoted(text: string, from: number): number {
  const quote = text[from];
  let i = from + 1;
  while (i < text.length && text[i] !== quote && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  return Math.min(text.length, i + 1);
}

function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}
