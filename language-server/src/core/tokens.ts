// A small C tokenizer shared by the directive scanner, the macro expander and the call-site scanner.
// It never fails: an unknown byte becomes a one-character punctuator. Comments and line continuations
// are skipped, so offsets always point into the original text.

export type TokenKind = 'id' | 'num' | 'str' | 'chr' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset in the source text; -1 for tokens made by macro expansion. */
  start: number;
  end: number;
  /** Macro names that must not expand this token again (C's "hide set"). */
  hide?: ReadonlySet<string>;
  /** Set when the token came from a macro argument (so it has a real source position). */
  fromArg?: boolean;
}

const PUNCT3 = new Set(['<<=', '>>=', '...']);
const PUNCT2 = new Set(['->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '*=', '/=', '%=', '+=', '-=',
  '&=', '^=', '|=', '##']);

/** Character codes (< 128) that begin some entry of PUNCT3 or PUNCT2. */
const MULTI_PUNCT_START: boolean[] = [];
for (const p of [...PUNCT3, ...PUNCT2]) MULTI_PUNCT_START[p.charCodeAt(0)] = true;
/** The same sets keyed by character codes, so a lookup makes no string. */
const code2 = (a: number, b: number) => a * 65536 + b;
const PUNCT2_CODES = new Set([...PUNCT2].map((p) => code2(p.charCodeAt(0), p.charCodeAt(1))));
const PUNCT3_CODES = new Set([...PUNCT3].map((p) => code2(code2(p.charCodeAt(0), p.charCodeAt(1)), p.charCodeAt(2))));

function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}
function isIdPart(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}

/**
 * A token. Every token the core makes has this one shape (hide and fromArg included, even when unset): the
 * scanners and the expander then see a single object map and V8 keeps them optimized.
 */
export function tok(kind: TokenKind, text: string, start: number, end: number): Token {
  return { kind, text, start, end, hide: undefined, fromArg: undefined };
}

/**
 * Tokenizes text[from, to). When `stopAtNewline` is set, a newline that is not escaped ends the scan
 * (used for directive lines); the returned `end` is where scanning stopped.
 */
export function tokenize(text: string, from = 0, to = text.length, out: Token[] = []): Token[] {
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) { i++; continue; }
    if (c === 92 /* \ */ && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) { i += 2; continue; }
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i < to && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 || close + 2 > to ? to : close + 2;
      continue;
    }
    const start = i;
    if (isIdStart(c)) {
      i++;
      while (i < to && isIdPart(text.charCodeAt(i))) i++;
      // String prefixes (L"..", u8"..") are rare in our trees; treat them as identifiers followed by a string.
      out.push(tok('id', text.slice(start, i), start, i));
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) {
      i++;
      while (i < to) {
        const d = text.charCodeAt(i);
        if (isIdPart(d) || d === 46) { i++; continue; }
        if ((d === 43 || d === 45) && /[eEpP]/.test(text[i - 1]) && !/^0[xX]/.test(text.slice(start, i)) ) { i++; continue; }
        break;
      }
      out.push(tok('num', text.slice(start, i), start, i));
      continue;
    }
    if (c === 34 || c === 39) {
      i++;
      while (i < to) {
        const d = text.charCodeAt(i);
        if (d === 92) { i += 2; continue; }
        if (d === c || d === 10) { i++; break; }
        i++;
      }
      out.push(tok(c === 34 ? 'str' : 'chr', text.slice(start, i), start, i));
      continue;
    }
    // Only these characters start a two- or three-character punctuator: the rest are one character.
    if (!MULTI_PUNCT_START[c]) { out.push(tok('punct', text[i], start, i + 1)); i++; continue; }
    const pair = i + 1 < to ? code2(c, text.charCodeAt(i + 1)) : -1;
    if (i + 2 < to && PUNCT3_CODES.has(code2(pair, text.charCodeAt(i + 2)))) { out.push(tok('punct', text.slice(i, i + 3), start, i + 3)); i += 3; continue; }
    if (PUNCT2_CODES.has(pair)) { out.push(tok('punct', text.slice(i, i + 2), start, i + 2)); i += 2; continue; }
    out.push(tok('punct', text[i], start, i + 1));
    i++;
  }
  return out;
}

/** Splits the tokens between a '(' at `open` and its matching ')' into top-level comma-separated arguments. */
export function splitArgs(tokens: readonly Token[], open: number): { args: Token[][]; close: number } | undefined {
  let depth = 0;
  const args: Token[][] = [];
  let current: Token[] = [];
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[' || t.text === '{') {
        depth++;
        if (depth === 1) continue;
      } else if (t.text === ')' || t.text === ']' || t.text === '}') {
        depth--;
        if (depth === 0) {
          if (current.length || args.length) args.push(current);
          return { args, close: i };
        }
      } else if (t.text === ',' && depth === 1) {
        args.push(current);
        current = [];
        continue;
      }
    }
    current.push(t);
  }
  return undefined;
}

export function tokensText(tokens: readonly Token[]): string {
  let s = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (i > 0) {
      const prev = tokens[i - 1];
      const glue = prev.end === t.start && prev.start >= 0;
      if (!glue && needsSpace(prev, t)) s += ' ';
    }
    s += t.text;
  }
  return s;
}

function needsSpace(a: Token, b: Token): boolean {
  const wordy = (t: Token) => t.kind === 'id' || t.kind === 'num';
  if (wordy(a) && wordy(b)) return true;
  if (a.kind === 'punct' && b.kind === 'punct') return !/[()[\]]/.test(a.text) && !/[()[\],;]/.test(b.text);
  if (b.kind === 'punct' && /^[(),;\]\[]$/.test(b.text)) return false;
  if (a.kind === 'punct' && /^[(\[]$/.test(a.text)) return false;
  return a.kind !== 'punct' || b.kind !== 'punct' ? (a.text === ',' ? true : /^[=+\-*/|&?:<>!%^]+$/.test(a.text) || /^[=+\-*/|&?:<>!%^]+$/.test(b.text)) : true;
}

export const C_KEYWORDS = new Set(['if', 'else', 'while', 'for', 'do', 'switch', 'case', 'default', 'return', 'sizeof',
  'goto', 'break', 'continue', 'typeof', '__typeof__', 'alignof', '_Alignof', '__alignof__', 'asm', '__asm__', '__asm',
  'volatile', '__volatile__', 'struct', 'union', 'enum', 'static', 'const', 'int', 'void', 'char', 'long', 'short',
  'unsigned', 'signed', 'inline', '__inline', '__inline__', 'extern', 'register', 'typedef', '_Static_assert',
  '__attribute__', '__attribute', '__builtin_offsetof', 'offsetof', '_Generic', 'defined']);
