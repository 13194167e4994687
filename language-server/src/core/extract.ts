// Per-file extraction. Three steps so the expensive one can run in a worker thread:
//   prepare()     directives, tokens, and the spans tree-sitter must not see: attribute and program-marker
//                 macros, directive lines, inconsistent #else branches and the interiors of function bodies,
//                 plus the expansions of top-level function-generating macros; blankedText() replaces those
//                 spans by spaces (byte offsets stay true);
//   parseShapes() tree-sitter + the .scm queries over the blanked texts with blank runs cut to one space
//                 (compactBlanks; offsets mapped back), giving functions, maps, enums;
//   assemble()    ties shapes, markers, call sites and conditions together into FileFacts.
// Parsing never fails: whatever tree-sitter recovers is used, the rest becomes diagnostics.
import crypto from 'node:crypto';
import { scanDirectives, framesAt, type DirectiveScan, type MacroDef } from './directives';
import type { FileFacts, FunctionFact, MapFact, MarkerFact, RawCallSite, EnumeratorFact, FileDiagnostic, MacroDeclarationFact } from './facts';
import { expand, type MacroLookup } from './macros';
import type { MacroRoles } from './macro-roles';
import { tokenize, splitArgs, tokensText, C_KEYWORDS, type Token } from './tokens';
import type { CParser } from './wasm';
import type { Tree } from 'web-tree-sitter';

export interface GeneratorInvocation {
  macro: string;
  start: number;
  end: number;
  nameEnd: number;
  /** Identifier arguments with their spans (a generated function is usually named by one of them). */
  idArgs: { text: string; start: number; end: number }[];
}

export interface PreparedText {
  text: string;
  /** Spans tree-sitter must not see (blankedText() applies them); `flat` marks a function body's interior. */
  blanks: [number, number, flat?: true][];
  scan: DirectiveScan;
  /** Tokens outside directive lines (including inconsistent #else branches, for call sites). */
  tokens: Token[];
  markers: MarkerFact[];
  generated: { invocation: GeneratorInvocation; prepared: PreparedText }[];
  /** Top-level `type MACRO(ident, …);` declarations (file text only, not generated texts). */
  declarations: MacroDeclarationFact[];
}

export interface FunctionShape {
  name: string; nameStart: number; nameEnd: number; start: number; end: number;
  bodyStart: number; bodyEnd: number; params: string[]; prevEnd: number;
}
export interface MapShape { name: string; nameStart: number; nameEnd: number; start: number; end: number }
export interface EnumShape { names: { name: string; value?: string; start: number; end: number; valueStart?: number; valueEnd?: number }[] }
export interface Shapes { functions: FunctionShape[]; maps: MapShape[]; enums: EnumShape[]; errors: number[] }

export interface RolesContext {
  roles: MacroRoles;
  /** Lookup used to expand function-generating macros (the tree's global table). */
  macros: MacroLookup;
  rolesHash: string;
}

export function contentHash(text: string): string {
  return crypto.createHash('sha1').update(text).digest('hex');
}

function blankSpan(text: string, start: number, end: number): string {
  return text.slice(start, end).replace(/[^\n\r]/g, ' ');
}

/** Blanks the spans; a span marked `flat` (a function body's interior) loses its line breaks too (cheaper). */
function applyBlanks(text: string, spans: [number, number, flat?: true][]): string {
  if (!spans.length) return text;
  spans.sort((a, b) => a[0] - b[0]);
  const parts: string[] = [];
  let pos = 0;
  for (const [s, e, flat] of spans) {
    if (e <= pos) continue;
    const from = Math.max(s, pos);
    parts.push(text.slice(pos, from));
    // Keep line breaks so lines stay true; everything else becomes a space. A body's interior is flat:
    // nothing in it is parsed, and only offsets (never tree-sitter's rows) are read from the tree.
    parts.push(flat || !/[\n\r]/.test(text.slice(from, e)) ? ' '.repeat(e - from) : blankSpan(text, from, e));
    pos = e;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}

/** Lower bound: first token index with start >= offset. */
function tokenIndexAt(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].start < offset) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export function prepare(text: string, file: string, ctx: RolesContext, depth = 0, known?: DirectiveScan): PreparedText {
  const scan = known ?? scanDirectives(text, file);
  const tokens: Token[] = [];
  let pos = 0;
  for (const [s, e] of scan.directiveSpans) {
    if (s > pos) tokenize(text, pos, s, tokens);
    pos = e;
  }
  if (pos < text.length) tokenize(text, pos, text.length, tokens);

  // Built by push from a literal, never by map(): an empty map() result (a generated text has no
  // directives) is an array of another kind, and blanks.push() below then deoptimizes prepare().
  const blanks: [number, number, flat?: true][] = [];
  for (const [s, e] of scan.directiveSpans) blanks.push([s, e]);
  // An #if group whose branches do not each balance braces/parens (an if/else split across #ifdef)
  // cannot be parsed with every branch present: keep the first branch for tree-sitter.
  const dead: [number, number][] = [];
  for (const g of scan.groups) {
    if (g.branches.length < 2) continue;
    const unbalanced = g.branches.some((b) => {
      if (b.end < 0) return false;
      let braces = 0;
      let parens = 0;
      for (let k = tokenIndexAt(tokens, b.start); k < tokens.length && tokens[k].start < b.end; k++) {
        const s = tokens[k].text;
        if (s === '{') braces++; else if (s === '}') braces--;
        else if (s === '(') parens++; else if (s === ')') parens--;
      }
      return braces !== 0 || parens !== 0;
    });
    if (unbalanced) for (const b of g.branches.slice(1)) if (b.end >= 0) dead.push([b.start, b.end]);
  }
  dead.sort((a, b) => a[0] - b[0]);
  for (const d of dead) blanks.push(d);
  // Tokens come in order: one cursor over the (start-sorted) dead spans answers for each in turn.
  let deadAt = 0;
  const isDead = (offset: number) => {
    while (deadAt < dead.length && dead[deadAt][1] <= offset) deadAt++;
    return deadAt < dead.length && dead[deadAt][0] <= offset;
  };

  const markers: MarkerFact[] = [];
  const generated: PreparedText['generated'] = [];
  const declarations: MacroDeclarationFact[] = [];
  let braceDepth = 0;
  let declFrom = 0; // token index after the last top-level `;` or `}`
  // Function bodies, found on the way (their interiors are blanked for tree-sitter, see blankedText): a `{`
  // at the top level right after `NAME ( … )`, among the tokens tree-sitter sees (not dead, not blanked).
  let seen = -1; // the last token tree-sitter sees
  const parens: number[] = []; // at the top level, for each open '(': the seen token before it
  let afterCall = -1; // a ')' at the top level closing `NAME (`
  let bodyOpen = -1; // end of the '{' of the body being read
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (dead.length && isDead(t.start)) continue;
    if (t.kind === 'punct') {
      const p = t.text;
      if (p === '{') {
        if (braceDepth === 0 && afterCall === seen && afterCall >= 0 && !parens.length) bodyOpen = t.end;
        braceDepth++;
      } else if (p === '}') {
        braceDepth = Math.max(0, braceDepth - 1);
        if (!braceDepth) {
          declFrom = k + 1;
          if (bodyOpen >= 0 && t.start > bodyOpen) blanks.push([bodyOpen, t.start, true]);
          bodyOpen = -1;
        }
      } else if (braceDepth === 0) {
        if (p === ';') { declFrom = k + 1; parens.length = 0; }
        else if (p === '(') parens.push(seen);
        else if (p === ')') {
          const before = parens.pop();
          if (!parens.length && before !== undefined && before >= 0 && tokens[before].kind === 'id' && !C_KEYWORDS.has(tokens[before].text)) afterCall = k;
        }
      }
      seen = k;
      continue;
    }
    if (t.kind !== 'id') { seen = k; continue; }
    const name = t.text;
    if (braceDepth === 0) {
      // Top level (a few tokens of a file): declarations written with a macro, generator invocations.
      if (depth === 0 && k > declFrom && tokens[k + 1]?.text === '(') {
        const d = macroDeclaration(tokens, k, declFrom, text, scan);
        if (d) declarations.push(d);
      }
      if (depth < 3 && ctx.roles.generators.has(name) && tokens[k + 1]?.text === '(') {
        const close = generatorAt(tokens, k, file, ctx, depth, generated);
        if (close < 0) { seen = k; continue; }
        blanks.push([t.start, tokens[close].end]);
        k = close;
        continue;
      }
    }
    if (!ctx.roles.attributeLike.has(name)) { seen = k; continue; }
    const def = ctx.macros.get(name);
    let end = t.end;
    let last = k;
    if (tokens[k + 1]?.text === '(' && (def?.params || !def)) {
      const call = splitArgs(tokens, k + 1);
      if (!call) { seen = k; continue; }
      end = tokens[call.close].end;
      last = call.close;
    } else if (def?.params) { seen = k; continue; } // a function-like macro name not being called
    blanks.push([t.start, end]);
    if (braceDepth === 0 && ctx.roles.markers.has(name)) {
      markers.push({ name, text: text.slice(t.start, end).replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' '), start: t.start, end });
    }
    k = last;
  }
  return { text, blanks, scan, tokens, markers, generated, declarations };
}

/**
 * The text tree-sitter parses: the prepared spans blanked, function bodies' interiors among them (what the
 * facts take from a body are its call sites, read from the tokens; the definition's shape needs only the
 * braces). Cached per prepared text (generated texts are prepared once and shared).
 */
const blankedCache = new WeakMap<PreparedText, string>();
export function blankedText(prep: PreparedText): string {
  let blanked = blankedCache.get(prep);
  if (blanked === undefined) {
    blanked = applyBlanks(prep.text, [...prep.blanks]);
    blankedCache.set(prep, blanked);
  }
  return blanked;
}

/** `static void *MACRO(name, …);` at token `k` (a macro name followed by `(`): a declarator written as a macro
 *  invocation (whether the macro declares its argument is decided tree-wide, lookups.ts). */
function macroDeclaration(tokens: readonly Token[], k: number, declFrom: number, text: string, scan: DirectiveScan): MacroDeclarationFact | undefined {
  const t = tokens[k];
  if (tokens[k + 2]?.kind !== 'id' || (tokens[k + 3]?.text !== ',' && tokens[k + 3]?.text !== ')')) return undefined;
  if ((tokens[k - 1].kind !== 'id' && tokens[k - 1].text !== '*') || C_KEYWORDS.has(t.text)) return undefined;
  const call = splitArgs(tokens, k + 1);
  const after = call && tokens[call.close + 1]?.text;
  if (!call || (after !== ';' && after !== ',' && after !== '=')) return undefined;
  const arg = tokens[k + 2];
  let last = call.close + 1; // the declaration's `;` (past an initializer `= (void *)ID;`)
  while (last < tokens.length && tokens[last].text !== ';' && tokens[last].text !== '{' && last - call.close < 64) last++;
  if (tokens[last]?.text !== ';') last = call.close;
  return {
    macro: t.text, call: text.slice(t.start, tokens[call.close].end), arg: arg.text, argStart: arg.start, argEnd: arg.end,
    start: t.start, end: tokens[last].end, declStart: tokens[declFrom].start, conditions: framesAt(scan, t.start),
  };
}

/** A top-level generator invocation at token `k`: its expansion goes to `generated`; returns the index of its
 *  closing `)`, or -1 when the parentheses do not close. */
function generatorAt(tokens: Token[], k: number, file: string, ctx: RolesContext, depth: number, generated: PreparedText['generated']): number {
  const t = tokens[k];
  const call = splitArgs(tokens, k + 1);
  if (!call) return -1;
  const def = ctx.macros.get(t.text);
  if (def) {
    const invocation = tokens.slice(k, call.close + 1);
    const idArgs = call.args.filter((a) => a.length === 1 && a[0].kind === 'id').map((a) => ({ text: a[0].text, start: a[0].start, end: a[0].end }));
    generated.push({
      invocation: { macro: t.text, start: t.start, end: tokens[call.close].end, nameEnd: t.end, idArgs },
      prepared: generatedText(invocation, t.text, def, file, ctx, depth),
    });
  }
  return call.close;
}

/**
 * The prepared expansion of a generator macro invocation. Its offsets are relative to the expansion, so
 * it depends only on the invocation's text and the macro roles: cached, since re-indexing an edited file
 * would otherwise expand every invocation in it again. (Treated as immutable by assemble().)
 */
const generatedCache = new WeakMap<RolesContext, Map<string, PreparedText>>();
function generatedText(invocation: Token[], name: string, def: MacroDef, file: string, ctx: RolesContext, depth: number): PreparedText {
  let cache = generatedCache.get(ctx);
  if (!cache) { cache = new Map(); generatedCache.set(ctx, cache); }
  const key = `${file}\0${depth}\0${def.params?.join(',') ?? ''}\0${def.bodyText}\0${tokensText(invocation)}`;
  let prepared = cache.get(key);
  if (!prepared) {
    const only: MacroLookup = { get: (n) => (n === name ? def : undefined) };
    prepared = prepare(tokensText(expand(invocation, only).tokens), file, ctx, depth + 1);
    if (cache.size > 4096) cache.clear();
    cache.set(key, prepared);
  }
  return prepared;
}

// ------------------------------------------------------------------------------------------------
// tree-sitter step (also run by parse-worker.ts)

export function parseShapes(cp: CParser, blanked: string): Shapes {
  const compact = compactBlanks(blanked);
  const tree = cp.parser.parse(compact.text);
  if (!tree) return { functions: [], maps: [], enums: [], errors: [] };
  try {
    return originalShapes(shapesOf(cp, tree, compact.text), compact, blanked);
  } finally {
    tree.delete();
  }
}

/**
 * A blanked text with every run of two or more spaces cut to one, for tree-sitter, which reads and lexes
 * every character: the long blank runs (function bodies, directive lines, marker macros) would cost it
 * about half of the parse on a Cilium tree for nothing. `at[k]` is where run k's one space is in `text`,
 * `removed[k]` how many characters runs 0…k removed: originalOffset() maps an offset back.
 */
export interface Compacted { text: string; at: number[]; removed: number[] }

export function compactBlanks(blanked: string): Compacted {
  const at: number[] = [];
  const removed: number[] = [];
  const parts: string[] = [];
  const re = / {2,}/g;
  let pos = 0;
  let cut = 0;
  for (let m = re.exec(blanked); m; m = re.exec(blanked)) {
    const start = m.index;
    const end = start + m[0].length;
    parts.push(blanked.slice(pos, start + 1));
    at.push(start - cut);
    cut += end - start - 1;
    removed.push(cut);
    pos = end;
  }
  if (!at.length) return { text: blanked, at, removed };
  parts.push(blanked.slice(pos));
  return { text: parts.join(''), at, removed };
}

export function originalOffset(c: Compacted, offset: number): number {
  let lo = 0;
  let hi = c.at.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c.at[mid] < offset) lo = mid + 1; else hi = mid;
  }
  return lo === 0 ? offset : offset + c.removed[lo - 1];
}

/** Shapes found in a compacted text, with offsets (and enumerator values) of the blanked text it came from. */
function originalShapes(shapes: Shapes, c: Compacted, blanked: string): Shapes {
  if (!c.at.length) return shapes;
  // New objects rather than writes into the old ones: a field written after creation stops being
  // constant for V8 and deoptimizes the code that read it.
  const o = (offset: number) => originalOffset(c, offset);
  return {
    functions: shapes.functions.map((f) => ({
      name: f.name, nameStart: o(f.nameStart), nameEnd: o(f.nameEnd), start: o(f.start), end: o(f.end),
      bodyStart: o(f.bodyStart), bodyEnd: o(f.bodyEnd), params: f.params, prevEnd: o(f.prevEnd),
    })),
    maps: shapes.maps.map((m) => ({ name: m.name, nameStart: o(m.nameStart), nameEnd: o(m.nameEnd), start: o(m.start), end: o(m.end) })),
    enums: shapes.enums.map((e) => ({
      names: e.names.map((n) => ({
        name: n.name,
        value: n.valueStart !== undefined && n.valueEnd !== undefined ? blanked.slice(o(n.valueStart), o(n.valueEnd)) : n.value,
        start: o(n.start), end: o(n.end),
      })),
    })),
    errors: shapes.errors.map(o),
  };
}

/**
 * The last tree-sitter tree of a file's blanked text. The index keeps one for files being edited, so the
 * next edit re-parses incrementally; whoever holds it calls `tree.delete()` when dropping it (WASM memory).
 */
export interface ParseMemo {
  blanked: string;
  tree: Tree;
  /** The shapes of `blanked` (its own offsets): an edit inside a function body leaves `blanked` as it was. */
  shapes?: Shapes;
}

/** Parses `blanked`, reusing the previous tree of the same file: the edit is the span where the texts differ. */
export function parseIncrementally(cp: CParser, blanked: string, previous?: ParseMemo): Tree | null {
  if (!previous) return cp.parser.parse(blanked);
  const old = previous.blanked;
  const shorter = Math.min(old.length, blanked.length);
  let prefix = 0;
  while (prefix < shorter && old.charCodeAt(prefix) === blanked.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && old.charCodeAt(old.length - 1 - suffix) === blanked.charCodeAt(blanked.length - 1 - suffix)) suffix++;
  if (prefix === old.length && prefix === blanked.length) return previous.tree.copy();
  const oldEnd = old.length - suffix;
  const newEnd = blanked.length - suffix;
  const edited = previous.tree.copy();
  edited.edit({
    startIndex: prefix, oldEndIndex: oldEnd, newEndIndex: newEnd,
    startPosition: pointAt(old, prefix), oldEndPosition: pointAt(old, oldEnd), newEndPosition: pointAt(blanked, newEnd),
  } as Parameters<Tree['edit']>[0]);
  try {
    return cp.parser.parse(blanked, edited);
  } finally {
    edited.delete();
  }
}

function pointAt(text: string, offset: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) { row++; lineStart = i + 1; }
  return { row, column: offset - lineStart };
}

/** Field ids of the grammar (childForFieldName looks the name up in a list on every call). */
const fieldIdCache = new WeakMap<CParser, { declarator: number; name: number; value: number }>();
function fieldIds(cp: CParser): { declarator: number; name: number; value: number } {
  let ids = fieldIdCache.get(cp);
  if (!ids) {
    const id = (n: string) => { const v = cp.language.fieldIdForName(n); if (v === null) throw new Error(`tree-sitter-c has no field '${n}'`); return v; };
    ids = { declarator: id('declarator'), name: id('name'), value: id('value') };
    fieldIdCache.set(cp, ids);
  }
  return ids;
}

const MAP_HINT = /BPF_MAP_TYPE_|\.\s*type\s*=|__uint\s*\(\s*type/;

/** Functions, maps, enums and error spots of a parsed blanked text (the .scm queries). */
function shapesOf(cp: CParser, tree: Tree, blanked?: string): Shapes {
  const shapes: Shapes = { functions: [], maps: [], enums: [], errors: [] };
  const fields = fieldIds(cp);
  {
    const root = tree.rootNode;
    // Directives are blanked, so definitions are children of the root: patterns need not start deeper
    // (this keeps the query engine out of function bodies, which is most of the tree).
    for (const m of cp.queries.functions.matches(root, { maxStartDepth: 1 })) {
      const get = (n: string) => m.captures.find((c) => c.name === n)?.node;
      const def = get('definition.function');
      const name = get('name');
      const body = get('body');
      const params = get('params');
      if (!def || !name || !body || !params) continue;
      if (C_KEYWORDS.has(name.text)) continue; // never invent functions (`else if` split by #ifdef)
      let prev = def.previousNamedSibling;
      while (prev && prev.type === 'comment') prev = prev.previousNamedSibling;
      const paramNames: string[] = [];
      for (const p of params.namedChildren) {
        if (!p || p.type !== 'parameter_declaration') continue;
        let d = p.childForFieldId(fields.declarator);
        while (d && d.type !== 'identifier') d = d.childForFieldId(fields.declarator) ?? d.namedChildren.find((c) => c?.type === 'identifier') ?? null;
        paramNames.push(d ? d.text : '');
      }
      shapes.functions.push({
        name: name.text, nameStart: name.startIndex, nameEnd: name.endIndex, start: def.startIndex, end: def.endIndex,
        bodyStart: body.startIndex, bodyEnd: body.endIndex, params: paramNames, prevEnd: prev ? prev.endIndex : 0,
      });
    }
    // The map and enum queries walk the whole top level: skipped when the text cannot hold a match
    // (what the filter below asks of a map declaration's text; an enumerator list needs `enum`).
    const source = blanked ?? root.text;
    const mapsHere = MAP_HINT.test(source);
    for (const m of mapsHere ? cp.queries.maps.matches(root, { maxStartDepth: 0 }) : []) {
      const def = m.captures.find((c) => c.name === 'definition.map')?.node;
      const name = m.captures.find((c) => c.name === 'name')?.node;
      if (!def || !name) continue;
      if (!def.text.includes('BPF_MAP_TYPE_') && !/\.type\s*=|__uint\s*\(\s*type/.test(def.text)) continue;
      shapes.maps.push({ name: name.text, nameStart: name.startIndex, nameEnd: name.endIndex, start: def.startIndex, end: def.endIndex });
    }
    for (const c of /\benum\b/.test(source) ? cp.queries.enums.captures(root, { maxStartDepth: 4 }) : []) {
      const names: EnumShape['names'] = [];
      for (const e of c.node.namedChildren) {
        if (!e || e.type !== 'enumerator') continue;
        const n = e.childForFieldId(fields.name);
        const v = e.childForFieldId(fields.value);
        if (n) names.push({ name: n.text, value: v?.text, start: n.startIndex, end: n.endIndex, valueStart: v?.startIndex, valueEnd: v?.endIndex });
      }
      shapes.enums.push({ names });
    }
    if (root.hasError) {
      collectErrors(root, shapes.errors);
      if (blanked !== undefined) untypedFunctions(root, blanked, shapes);
    }
  }
  return shapes;
}

/**
 * Definitions without a return type (implicit int), e.g. a program marker then `name(struct __ctx_buff *ctx)
 * {…}`: tree-sitter-c needs a type, so it leaves the body as a compound statement at the top level after
 * an unparsed head. Recovered only when the head is exactly `NAME ( parameter declarations )` right after
 * a `;`, a `}` or the start of the text (after blanking), so statements split by #if (`if (x) {`,
 * `foo(a, b) {`) never become functions.
 */
function untypedFunctions(root: import('web-tree-sitter').Node, blanked: string, shapes: Shapes): void {
  for (const body of root.namedChildren) {
    if (!body || body.type !== 'compound_statement') continue;
    let from = 0;
    for (let p = body.previousSibling, n = 0; p && n < 16; p = p.previousSibling, n++) {
      const text = blanked.slice(p.startIndex, p.endIndex).trimEnd();
      if (p.type !== 'comment' && (text.endsWith(';') || text.endsWith('}'))) { from = p.endIndex; break; }
      from = p.startIndex;
    }
    const head = tokenize(blanked, from, body.startIndex);
    const close = head.length - 1;
    if (close < 2 || head[close].text !== ')') continue;
    let open = close;
    for (let depth = 0; open >= 0; open--) {
      if (head[open].text === ')') depth++;
      else if (head[open].text === '(' && --depth === 0) break;
    }
    const name = head[open - 1];
    if (open < 1 || name.kind !== 'id' || C_KEYWORDS.has(name.text)) continue;
    const before = head[open - 2];
    if (before && before.text !== ';' && before.text !== '}') continue;
    const params = parameterNames(head.slice(open + 1, close));
    if (!params) continue;
    shapes.functions.push({
      name: name.text, nameStart: name.start, nameEnd: name.end, start: name.start, end: body.endIndex,
      bodyStart: body.startIndex, bodyEnd: body.endIndex, params, prevEnd: before ? before.end : from,
    });
    // The head is understood now: no "could not parse" note for it.
    shapes.errors = shapes.errors.filter((at) => at < name.start || at >= body.startIndex);
  }
}

/** Names of a parameter list's declarations (`struct __ctx_buff *ctx, __u32 x`, `void`, empty), or undefined
 *  when some entry is not a declaration (a call's arguments: `a, b + 1`). */
function parameterNames(tokens: readonly Token[]): string[] | undefined {
  if (!tokens.length || (tokens.length === 1 && tokens[0].text === 'void')) return [];
  const names: string[] = [];
  let current: Token[] = [];
  for (const t of [...tokens, undefined]) {
    if (t && t.text !== ',') { current.push(t); continue; }
    if (current.length === 1 && current[0].text === '...') { names.push(''); current = []; continue; }
    const last = current[current.length - 1];
    const declares = current.length >= 2 && last.kind === 'id' && !C_KEYWORDS.has(last.text)
      && current.every((x) => x.kind === 'id' || x.text === '*' || x.text === '[' || x.text === ']' || x.kind === 'num');
    if (!declares) return undefined;
    names.push(last.text);
    current = [];
  }
  return names;
}

function collectErrors(node: import('web-tree-sitter').Node, out: number[]): void {
  if (out.length >= 20) return;
  if (node.isError || node.isMissing) { out.push(node.startIndex); return; }
  if (!node.hasError) return;
  for (const c of node.children) if (c) collectErrors(c, out);
}

/** Every prepared text that needs a tree-sitter parse, in a stable order (file first, then generated). */
export function blankedTexts(prep: PreparedText): string[] {
  const out = [blankedText(prep)];
  for (const g of prep.generated) out.push(...blankedTexts(g.prepared));
  return out;
}

// ------------------------------------------------------------------------------------------------

function callSitesIn(prep: PreparedText, from: number, to: number): RawCallSite[] {
  const sites: RawCallSite[] = [];
  const toks = prep.tokens;
  for (let k = tokenIndexAt(toks, from); k < toks.length && toks[k].start < to; k++) {
    const t = toks[k];
    if (t.kind !== 'id' || toks[k + 1]?.text !== '(' || C_KEYWORDS.has(t.text) || t.text.startsWith('__builtin_')) continue;
    const prev = toks[k - 1]?.text;
    if (prev === '.' || prev === '->') continue;
    const call = splitArgs(toks, k + 1);
    const close = call ? toks[call.close].end : t.end;
    sites.push({ callee: t.text, args: call ? call.args.map((a) => tokensText(a)) : [], start: t.start, end: close, nameStart: t.start, nameEnd: t.end });
  }
  return sites;
}

function mapFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(/\.\s*([a-z_]+)\s*=\s*([^,}\n]+)/g)) fields[m[1]] = m[2].trim();
  for (const m of text.matchAll(/__(?:uint|type|array)\s*\(\s*([a-z_]+)\s*,\s*([^;]+?)\)\s*;/g)) fields[m[1]] = m[2].trim();
  return fields;
}

export function assemble(file: string, prep: PreparedText, shapesList: Shapes[], rolesHash: string, hash = contentHash(prep.text)): FileFacts {
  let cursor = 0;
  const next = () => shapesList[cursor++] ?? { functions: [], maps: [], enums: [], errors: [] };
  const facts: FileFacts = {
    file, hash, rolesHash, lineStarts: lineStarts(prep.text),
    defines: prep.scan.defines, undefs: prep.scan.undefs,
    includes: prep.scan.includes.map(({ path, system, start, end }) => ({ path, system, start, end })),
    regions: prep.scan.regions, functions: [], maps: [], enumerators: [], diagnostics: [],
  };
  if (prep.declarations.length) facts.declarations = prep.declarations;
  for (const d of prep.scan.diagnostics) facts.diagnostics.push({ ...d, severity: 'warning' });
  const own = collect(prep, next(), facts.diagnostics, true);
  facts.functions.push(...own.functions);
  facts.maps.push(...own.maps);
  facts.enumerators.push(...own.enumerators);
  const addGenerated = (p: PreparedText, outer: GeneratorInvocation[]) => {
    for (const g of p.generated) {
      const chain = [...outer, g.invocation];
      const inner = collect(g.prepared, next(), [], false);
      const top = chain[0];
      const frames = framesAt(prep.scan, top.start);
      for (const f of inner.functions) {
        const arg = chain.flatMap((c) => c.idArgs).find((a) => a.text === f.name);
        facts.functions.push({
          ...f,
          nameStart: arg ? arg.start : top.start, nameEnd: arg ? arg.end : top.nameEnd,
          start: top.start, end: top.end, bodyStart: top.start, bodyEnd: top.end,
          conditions: frames,
          markers: f.markers.map((mk) => ({ ...mk, start: top.start, end: top.end })),
          sites: f.sites.map((s) => {
            const a = chain.flatMap((c) => c.idArgs).find((x) => x.text === s.callee);
            return { ...s, start: top.start, end: top.end, nameStart: a ? a.start : top.start, nameEnd: a ? a.end : top.nameEnd };
          }),
          generatedBy: { macro: top.macro, start: top.start, end: top.end },
        });
      }
      addGenerated(g.prepared, chain);
    }
  };
  addGenerated(prep, []);
  if (cursor < shapesList.length) facts.diagnostics.push({ start: 0, end: 0, message: 'internal: unused parse results', severity: 'info' });
  return facts;
}

function collect(prep: PreparedText, shapes: Shapes, diagnostics: FileDiagnostic[], real: boolean) {
  const functions: FunctionFact[] = [];
  const markers = [...prep.markers].sort((a, b) => a.start - b.start);
  for (const s of shapes.functions) {
    const own = markers.filter((m) => m.start >= s.prevEnd && m.end <= s.start + 1 && m.start < s.start);
    functions.push({
      name: s.name, nameStart: s.nameStart, nameEnd: s.nameEnd, start: Math.min(s.start, own[0]?.start ?? s.start), end: s.end,
      bodyStart: s.bodyStart, bodyEnd: s.bodyEnd, params: s.params, markers: own,
      conditions: framesAt(prep.scan, s.start), sites: callSitesIn(prep, s.bodyStart, s.bodyEnd),
    });
  }
  const maps: MapFact[] = shapes.maps.map((m) => {
    const text = prep.text.slice(m.start, m.end);
    return { ...m, style: /__(?:uint|type|array)\s*\(/.test(text) ? 'btf' : 'legacy', fields: mapFields(text), conditions: framesAt(prep.scan, m.start) };
  });
  const enumerators: EnumeratorFact[] = [];
  for (const e of shapes.enums) {
    let previous: string | undefined;
    let index = 0;
    e.names.forEach((n) => {
      enumerators.push({ name: n.name, value: n.value, index: n.value ? 0 : index, previous: n.value ? undefined : previous, start: n.start, end: n.end });
      if (n.value) { previous = n.name; index = 1; } else index++;
    });
  }
  if (real && shapes.errors.length) {
    // Recovered, but worth showing: tree-sitter could not make sense of these spots (BTF map fields such
    // as `__uint(type, …)` inside a recovered map are expected and left out).
    const inMap = (at: number) => shapes.maps.some((m) => m.start <= at && at < m.end);
    for (const at of shapes.errors.filter((e) => !inMap(e)).slice(0, 5)) diagnostics.push({ start: at, end: at + 1, message: 'tree-sitter could not parse this construct; definitions around it may be missed', severity: 'info' });
  }
  return { functions, maps, enumerators };
}

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 0-based line/character of an offset. */
export function positionOf(starts: readonly number[], offset: number): { line: number; character: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

/** In-process extraction of one file (the worker pool does the same split across threads). */
/**
 * Files larger than this are not parsed (a generated blob or a minified file opened by mistake: tree-sitter
 * on a 5 MB single line takes gigabytes of WASM memory). Cilium's largest header is under 300 kB.
 */
export const MAX_FILE_CHARS = 1_000_000;

/** Facts of a file too large to parse: nothing but a diagnostic saying so. */
function oversizedFacts(file: string, text: string, rolesHash: string): FileFacts {
  return {
    file, hash: contentHash(text), rolesHash, lineStarts: lineStarts(text),
    defines: [], undefs: [], includes: [], regions: [{ start: 0, frames: [] }], functions: [], maps: [], enumerators: [],
    diagnostics: [{ start: 0, end: 0, severity: 'warning',
      message: `${file} not indexed: ${(text.length / 1e6).toFixed(1)} M characters, over the ${MAX_FILE_CHARS / 1e6} M limit` }],
  };
}

/** `hash`: the text's contentHash when the caller has it already. */
export function extractFile(cp: CParser, file: string, text: string, ctx: RolesContext, scan?: DirectiveScan, hash?: string): FileFacts {
  if (text.length > MAX_FILE_CHARS) return oversizedFacts(file, text, ctx.rolesHash);
  const prep = prepare(text, file, ctx, 0, scan);
  return assemble(file, prep, blankedTexts(prep).map((t) => parseShapes(cp, t)), ctx.rolesHash, hash);
}

/**
 * extractFile for a file being edited: re-parses the file's own text incrementally from `previous` (left
 * intact; the caller deletes it) and returns the new tree to keep for the next edit. Texts generated by
 * macros are small and parsed afresh.
 */
export function extractFileIncrementally(cp: CParser, file: string, text: string, ctx: RolesContext, scan: DirectiveScan | undefined,
  previous: ParseMemo | undefined): { facts: FileFacts; memo?: ParseMemo } {
  if (text.length > MAX_FILE_CHARS) return { facts: oversizedFacts(file, text, ctx.rolesHash) };
  const prep = prepare(text, file, ctx, 0, scan);
  const [blankedOwn, ...generated] = blankedTexts(prep);
  const compact = compactBlanks(blankedOwn);
  const own = compact.text;
  // Typing inside a body (most edits) leaves what tree-sitter sees unchanged: no parse, same shapes.
  const same = previous?.shapes && previous.blanked === own;
  const tree = same ? previous.tree.copy() : parseIncrementally(cp, own, previous);
  const compactShapes = same ? previous.shapes! : tree ? shapesOf(cp, tree, own) : undefined;
  const shapes = compactShapes ? originalShapes(compactShapes, compact, blankedOwn) : { functions: [], maps: [], enums: [], errors: [] };
  const facts = assemble(file, prep, [shapes, ...generated.map((t) => generatedShapes(cp, t))], ctx.rolesHash);
  return { facts, memo: tree ? { blanked: own, tree, shapes: compactShapes } : undefined };
}

/** Shapes of texts generated by macros, by text: an edit elsewhere in the file leaves them as they were. */
const generatedShapesCache = new Map<string, Shapes>();
function generatedShapes(cp: CParser, blanked: string): Shapes {
  let shapes = generatedShapesCache.get(blanked);
  if (!shapes) {
    shapes = parseShapes(cp, blanked);
    if (generatedShapesCache.size > 1024) generatedShapesCache.clear();
    generatedShapesCache.set(blanked, shapes);
  }
  return shapes;
}
