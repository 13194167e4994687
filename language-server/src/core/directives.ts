// Line scanner for preprocessor directives. tree-sitter-c sees directives as best-effort nodes that
// break on real Cilium code (if/else split across #ifdef, labels before #if), so the core reads them
// itself: #define/#undef, #include, and the #if/#ifdef/#elif/#else/#endif structure that guards every
// definition and call site. It never fails; an unbalanced #endif or a missing one becomes a diagnostic.
import { tokenize, type Token } from './tokens';

export interface MacroDef {
  name: string;
  /** undefined for object-like macros. */
  params?: string[];
  variadic?: boolean;
  body: Token[];
  bodyText: string;
  file: string;
  /** Offsets of the name and of the whole directive (incl. continuation lines). */
  nameStart: number;
  nameEnd: number;
  start: number;
  end: number;
  /** Index into the file's condition regions (see ConditionFrame). */
  conditions: ConditionFrame[];
}

export interface IncludeDirective {
  path: string;
  system: boolean;
  start: number;
  end: number;
  conditions: ConditionFrame[];
}

/** One level of #if nesting that is active at some position. */
export interface ConditionFrame {
  /** Directive that opened this branch. */
  directive: 'if' | 'ifdef' | 'ifndef' | 'elif' | 'else';
  /** Condition text as written (for #else: empty). */
  expr: string;
  /** Conditions of the earlier branches of the same group (a branch holds only when they are all false). */
  previous: string[];
  /** 0-based line of the directive. */
  line: number;
}

export interface DirectiveDiagnostic { start: number; end: number; message: string }

interface Branch { start: number; end: number; frames: ConditionFrame[] }
interface Group { branches: Branch[] }

export interface DirectiveScan {
  defines: MacroDef[];
  undefs: { name: string; start: number }[];
  includes: IncludeDirective[];
  /** [start, end) of every directive line (with continuations), sorted. */
  directiveSpans: [number, number][];
  /** Sorted, non-overlapping regions with the frames active inside them. */
  regions: { start: number; frames: ConditionFrame[] }[];
  groups: Group[];
  diagnostics: DirectiveDiagnostic[];
}

function condText(directive: ConditionFrame['directive'], rest: string): string {
  const t = rest.replace(/\s+/g, ' ').trim();
  if (directive === 'ifdef') return `defined(${t})`;
  if (directive === 'ifndef') return `!defined(${t})`;
  return t;
}

/** Renders the frames active at a position as one C condition (include guards left out). */
export function conditionText(frames: readonly ConditionFrame[]): string | undefined {
  const parts: string[] = [];
  for (const f of frames) {
    const negs = f.previous.map((p) => `!(${p})`);
    if (f.directive === 'else') parts.push(...negs);
    else parts.push(...negs, f.expr.includes('||') || f.expr.includes('?') ? `(${f.expr})` : f.expr);
  }
  return parts.length ? parts.join(' && ') : undefined;
}

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/, '').replace(/\\\r?\n/g, ' ');
}

/** End of the directive whose `#` is at `hashAt` on a line ending at `lineEnd`: continuation lines and a block comment left open extend it. */
function directiveEnd(text: string, hashAt: number, lineEnd: number): { end: number; extraLines: number } {
  const n = text.length;
  let end = lineEnd;
  let extraLines = 0;
  // Continuation lines and block comments left open extend each other (a comment inside a multi-line
  // #define body, closed on a line that ends with a backslash, goes on after the comment).
  for (let scanFrom = hashAt + 1; ;) {
    while (end < n && text[end - 1] === '\\' || (end < n && text[end - 1] === '\r' && text[end - 2] === '\\')) {
      const next = text.indexOf('\n', end + 1);
      end = next < 0 ? n : next;
      extraLines++;
    }
    // A block comment opened on the directive's lines and closed later extends the directive.
    const raw = text.slice(scanFrom, end);
    const lastOpen = raw.lastIndexOf('/*');
    if (lastOpen < 0 || raw.indexOf('*/', lastOpen) >= 0) break;
    const close = text.indexOf('*/', scanFrom + lastOpen + 2);
    if (close < 0) break;
    const next = text.indexOf('\n', close);
    const newEnd = next < 0 ? n : next;
    for (let k = end; k < newEnd; k++) if (text[k] === '\n') extraLines++;
    scanFrom = close + 2;
    end = newEnd;
  }
  return { end, extraLines };
}

/** The `#define` at text[hashAt, end) (`restStart`: just after the word); undefined when malformed. Conditions are left empty. */
function parseDefine(text: string, file: string, hashAt: number, restStart: number, end: number): MacroDef | undefined {
  const toks = tokenize(text, restStart, end);
  const nameTok = toks[0];
  if (!nameTok || nameTok.kind !== 'id') return undefined;
  let bodyFrom = 1;
  let params: string[] | undefined;
  let variadic = false;
  if (toks[1] && toks[1].text === '(' && toks[1].start === nameTok.end) {
    params = [];
    let k = 2;
    for (; k < toks.length && toks[k].text !== ')'; k++) {
      if (toks[k].kind === 'id') params.push(toks[k].text);
      else if (toks[k].text === '...') { params.push('__VA_ARGS__'); variadic = true; }
    }
    bodyFrom = k + 1;
  }
  const body = toks.slice(bodyFrom);
  return {
    name: nameTok.text, params, variadic, body,
    bodyText: body.length ? text.slice(body[0].start, body[body.length - 1].end).replace(/\\\r?\n/g, ' ') : '',
    file, nameStart: nameTok.start, nameEnd: nameTok.end, start: hashAt, end, conditions: [],
  };
}

const DIRECTIVE_WORD = /^#\s*([a-z_]+)/;
const COMMENT_OR_QUOTE = /[/"']/g;

/**
 * The `#define`s of a file found by a quick pass over directive lines only (no #if structure, no
 * block-comment tracking): what deriving the macro roles needs before the files are scanned in full.
 * Equal to scanDirectives().defines (without conditions) unless a directive-looking line sits inside a
 * block comment; callers compare with the full scan (sameDefines) and redo the roles when they differ.
 */
export function quickDefines(text: string, file: string): MacroDef[] {
  const out: MacroDef[] = [];
  // A `#` first on a line (after blanks): found by a native search, not by walking every line.
  const re = /(^|\n)[ \t]*#/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const lineStart = m.index + m[1].length;
    const hashAt = m.index + m[0].length - 1;
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const { end } = directiveEnd(text, hashAt, lineEnd);
    const word = DIRECTIVE_WORD.exec(text.slice(hashAt, Math.min(end, hashAt + 40)));
    if (word?.[1] === 'define') {
      const def = parseDefine(text, file, hashAt, hashAt + word[0].length, end);
      if (def) out.push(def);
    }
    // Continuation lines belong to this directive: the next one starts after its end.
    re.lastIndex = end;
  }
  return out;
}

/** True when two define lists name the same directives (same spans and names). */
export function sameDefines(a: readonly MacroDef[], b: readonly MacroDef[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k].start !== b[k].start || a[k].end !== b[k].end || a[k].name !== b[k].name) return false;
  return true;
}

/** Deepest #if nesting whose conditions are tracked (Cilium nests a handful of levels). */
export const MAX_CONDITION_DEPTH = 64;

export function scanDirectives(text: string, file: string): DirectiveScan {
  const scan: DirectiveScan = { defines: [], undefs: [], includes: [], directiveSpans: [], regions: [], groups: [], diagnostics: [] };
  const stack: { group: Group; frame: ConditionFrame; guard?: string; start: number }[] = [];
  // Every region copies its active frames, so nesting depth is bounded (a 20k-deep #if pile would
  // otherwise cost depth² memory): frames deeper than the bound are left out of conditions, with a diagnostic.
  let tooDeepReported = false;
  const activeFrames = (): ConditionFrame[] => {
    const frames: ConditionFrame[] = [];
    for (const s of stack) {
      if (s.guard) continue;
      if (frames.length >= MAX_CONDITION_DEPTH) {
        if (!tooDeepReported) {
          tooDeepReported = true;
          scan.diagnostics.push({ start: s.start, end: s.start + 1, message: `#if nesting deeper than ${MAX_CONDITION_DEPTH} levels: deeper conditions are ignored` });
        }
        break;
      }
      frames.push(s.frame);
    }
    return frames;
  };
  scan.regions.push({ start: 0, frames: [] });
  let lineNo = 0;
  let pos = 0;
  let inBlockComment = false;
  const n = text.length;
  let pendingGuard: { name: string; entry: (typeof stack)[number] } | undefined;
  /** Offset of the next `/`, `"` or `'` at or after the last search (n: none left). */
  let special = -1;
  // Where the block comment we are in closes (searched once per comment, not once per line).
  let commentEnd = -1;
  while (pos < n) {
    let lineEnd = text.indexOf('\n', pos);
    if (lineEnd < 0) lineEnd = n;
    // Decide whether this line starts a directive (not inside a block comment).
    let i = pos;
    if (!inBlockComment) {
      while (i < lineEnd && (text[i] === ' ' || text[i] === '\t')) i++;
    }
    if (!inBlockComment && text[i] === '#') {
      const { end, extraLines } = directiveEnd(text, i, lineEnd);
      scan.directiveSpans.push([pos, end]);
      handleDirective(text, file, i, end, lineNo, scan, stack, activeFrames, (g) => { pendingGuard = g; }, pendingGuard);
      pendingGuard = pendingGuard && stack.includes(pendingGuard.entry) ? pendingGuard : undefined;
      lineNo += 1 + extraLines;
      pos = end + 1;
      continue;
    }
    const startedInComment = inBlockComment;
    // Track block comments for the next line's directive detection, jumping from one `/`, `"` or `'`
    // to the next (native searches: most of a file is plain code, walked here once per line).
    for (let k = pos; k < lineEnd;) {
      if (inBlockComment) {
        if (commentEnd < k) { commentEnd = text.indexOf('*/', k); if (commentEnd < 0) commentEnd = n; }
        if (commentEnd >= lineEnd) break;
        inBlockComment = false;
        k = commentEnd + 2;
        continue;
      }
      if (special < k) {
        COMMENT_OR_QUOTE.lastIndex = k;
        special = COMMENT_OR_QUOTE.exec(text)?.index ?? n;
      }
      if (special >= lineEnd) break;
      k = special;
      const ch = text.charCodeAt(k);
      if (ch === 47) {
        const next = text.charCodeAt(k + 1);
        if (next === 42) { inBlockComment = true; k += 2; continue; }
        if (next === 47) break;
        k++;
        continue;
      }
      k++;
      while (k < lineEnd && text.charCodeAt(k) !== ch) { if (text.charCodeAt(k) === 92) k++; k++; }
      k++;
    }
    // Only code between `#ifndef GUARD` and `#define GUARD` matters here: skip the line regexes otherwise.
    if (pendingGuard && !startedInComment) {
      const code = text.slice(pos, lineEnd).replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '');
      if (!/^\s*(\/\*.*)?$/.test(code)) pendingGuard = undefined;
    }
    lineNo++;
    pos = lineEnd + 1;
  }
  for (const open of stack) {
    scan.diagnostics.push({ start: open.start, end: open.start + 1, message: `#${open.frame.directive} without #endif` });
  }
  return scan;
}

function handleDirective(
  text: string, file: string, hashAt: number, end: number, line: number, scan: DirectiveScan,
  stack: { group: Group; frame: ConditionFrame; guard?: string; start: number }[],
  activeFrames: () => ConditionFrame[],
  setPendingGuard: (g: { name: string; entry: (typeof stack)[number] } | undefined) => void,
  pendingGuard: { name: string; entry: (typeof stack)[number] } | undefined,
): void {
  const m = DIRECTIVE_WORD.exec(text.slice(hashAt, Math.min(end, hashAt + 40)));
  const word = m?.[1] ?? '';
  const restStart = hashAt + (m ? m[0].length : 1);
  const rest = () => stripComments(text.slice(restStart, end));
  const pushRegion = () => scan.regions.push({ start: end, frames: activeFrames() });
  switch (word) {
    case 'if': case 'ifdef': case 'ifndef': {
      const expr = condText(word, rest());
      const group: Group = { branches: [] };
      scan.groups.push(group);
      const frame: ConditionFrame = { directive: word, expr, previous: [], line };
      const entry = { group, frame, start: hashAt } as (typeof stack)[number];
      group.branches.push({ start: end, end: -1, frames: [] });
      stack.push(entry);
      const guardName = word === 'ifndef' ? rest().trim() : /^!\s*defined\s*\(?\s*(\w+)\s*\)?(\s*&&|\s*$)/.exec(expr)?.[1];
      setPendingGuard(guardName ? { name: guardName, entry } : undefined);
      group.branches[0].frames = activeFrames();
      pushRegion();
      return;
    }
    case 'elif': case 'else': {
      const top = stack[stack.length - 1];
      if (!top) { scan.diagnostics.push({ start: hashAt, end, message: `#${word} without #if` }); return; }
      const prevExpr = top.frame.directive === 'else' ? [] : [...top.frame.previous, top.frame.expr];
      top.guard = undefined;
      top.frame = { directive: word, expr: word === 'elif' ? condText('if', rest()) : '', previous: prevExpr, line };
      const branches = top.group.branches;
      branches[branches.length - 1].end = hashAt;
      branches.push({ start: end, end: -1, frames: activeFrames() });
      pushRegion();
      return;
    }
    case 'endif': {
      const top = stack.pop();
      if (!top) { scan.diagnostics.push({ start: hashAt, end, message: '#endif without #if' }); return; }
      const branches = top.group.branches;
      branches[branches.length - 1].end = hashAt;
      pushRegion();
      return;
    }
    case 'define': {
      const def = parseDefine(text, file, hashAt, restStart, end);
      if (!def) {
        scan.diagnostics.push({ start: hashAt, end, message: 'malformed #define' });
        return;
      }
      if (pendingGuard && pendingGuard.name === def.name) {
        const f = pendingGuard.entry.frame;
        // `#if !defined(GUARD) && COND` + `#define GUARD`: an include guard with a real condition attached.
        const rest = f.directive === 'if' ? /^!\s*defined\s*\(?\s*\w+\s*\)?\s*&&\s*([\s\S]+)$/.exec(f.expr)?.[1] : undefined;
        if (rest) f.expr = rest.trim(); else pendingGuard.entry.guard = def.name;
        pushRegion();
      }
      def.conditions = activeFrames();
      scan.defines.push(def);
      return;
    }
    case 'undef': {
      const name = rest().trim();
      scan.undefs.push({ name, start: hashAt });
      return;
    }
    case 'include': {
      const r = rest().trim();
      const q = /^"([^"]+)"|^<([^>]+)>/.exec(r);
      if (q) scan.includes.push({ path: q[1] ?? q[2], system: !q[1], start: hashAt, end, conditions: activeFrames() });
      return;
    }
    default:
      return;
  }
}

/** Frames active at an offset (binary search over the scan's regions). */
export function framesAt(scan: Pick<DirectiveScan, 'regions'>, offset: number): ConditionFrame[] {
  const r = scan.regions;
  let lo = 0;
  let hi = r.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (r[mid].start <= offset) lo = mid; else hi = mid - 1;
  }
  return r[lo].frames;
}
