// What each macro of the tree is for, derived from its own definition (never from its name):
// - attribute-like: expands only to attributes/`inline`/`static` (e.g. `__always_inline`, `__maybe_unused`,
//   `__section("…")`, `__section_tail(ID, KEY)`, `__declare_tail(X)`, `declare_tailcall_if(C, X)`);
//   these are blanked before tree-sitter sees the text, because tree-sitter-c cannot parse them;
// - program marker: an attribute-like macro whose expansion carries a section or a btf_decl_tag;
// - function generator: a function-like macro whose body defines a whole function, or only declares
//   (`NODE_CONFIG(type, name, desc)` → `attributes volatile const type __config_##name;`): a top-level
//   invocation is replaced by its expansion, parsed apart (tree-sitter-c cannot parse the invocation).
import type { MacroDef } from './directives';
import { expand, MAX_NESTING, type MacroLookup } from './macros';
import { C_KEYWORDS, type Token, tok } from './tokens';

export interface MacroRoles {
  attributeLike: Set<string>;
  markers: Set<string>;
  generators: Set<string>;
}

const ATTRIBUTE_WORDS = new Set(['__attribute__', '__attribute', 'inline', '__inline', '__inline__', 'static',
  '__extension__', '_Pragma', '__section', 'section']);

/**
 * Compiler-provided attribute spellings some trees use without defining them (they come from system
 * headers the tree does not carry). Used only when the tree has no #define for the name.
 */
const BUILTIN_ATTRIBUTE_MACROS = ['__always_inline', '__maybe_unused', '__must_check', '__unused', '__noinline',
  '__packed', '__aligned', '__inline', '__force', '__nobuiltin', '__weak', '__hidden'];

function isAttributeExpansion(tokens: readonly Token[]): { ok: boolean; marker: boolean } {
  let marker = false;
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (t.kind !== 'id' || !ATTRIBUTE_WORDS.has(t.text)) return { ok: false, marker: false };
    i++;
    if (tokens[i]?.text === '(') {
      if (t.text !== '__attribute__' && t.text !== '__attribute' && t.text !== '_Pragma' && t.text !== '__section' && t.text !== 'section') {
        return { ok: false, marker: false };
      }
      if (t.text === '__section' || t.text === 'section') marker = true;
      let depth = 0;
      for (; i < tokens.length; i++) {
        const s = tokens[i].text;
        if (s === '(') depth++;
        else if (s === ')') { depth--; if (depth === 0) { i++; break; } }
        else if (s === 'section' || s === 'btf_decl_tag') marker = true;
      }
    }
  }
  return { ok: true, marker };
}

/**
 * True when the body defines a function: `NAME ( … ) {` (NAME not a keyword: `if (a) {` is a statement)
 * whose braces close, and then either the body ends or only top-level declarations follow, each ending in
 * `;` (`void check_##n(void) { … }; volatile const T n = v;`). A body that goes on with anything else
 * (`… } while (0)`) is a statement, not a definition.
 */
export function isGeneratorBody(body: readonly Token[]): boolean {
  for (let i = 0; i + 1 < body.length; i++) {
    if (body[i].kind !== 'id' || body[i + 1].text !== '(' || C_KEYWORDS.has(body[i].text)) continue;
    let depth = 0;
    let k = i + 1;
    for (; k < body.length; k++) {
      if (body[k].text === '(') depth++;
      else if (body[k].text === ')') { depth--; if (depth === 0) break; }
    }
    if (body[k + 1]?.text !== '{') continue;
    let braces = 0;
    let close = k + 1;
    for (; close < body.length; close++) {
      if (body[close].text === '{') braces++;
      else if (body[close].text === '}') { braces--; if (braces === 0) break; }
    }
    if (close >= body.length) continue;
    if (close === body.length - 1 || declarationsOnly(body.slice(close + 1))) return true;
  }
  return false;
}

/** `;`-terminated declarations with no statement keyword and no braces (what may follow a generated function). */
function declarationsOnly(rest: readonly Token[]): boolean {
  if (rest[rest.length - 1]?.text !== ';' || !rest.some((t) => t.kind === 'id')) return false;
  return rest.every((t) => t.text !== '{' && t.text !== '}' && !STATEMENT_WORDS.has(t.text));
}

const STATEMENT_WORDS = new Set(['if', 'else', 'while', 'for', 'do', 'switch', 'case', 'default', 'return', 'goto', 'break', 'continue']);

/**
 * True when following the first word of the body from macro to macro goes deeper than the expander
 * would (`#define M0 M1`, `#define M1 M2`, … thousands deep): such a macro cannot expand to an attribute,
 * and expanding each link of the chain would cost depth² (hide sets are copied per level).
 */
function leadsTooDeep(m: MacroDef, lookup: MacroLookup): boolean {
  let current: MacroDef | undefined = m;
  for (let depth = 0; current; depth++) {
    if (depth >= MAX_NESTING) return true;
    const first: Token | undefined = current.body[0];
    current = first?.kind === 'id' && first.text !== current.name ? lookup.get(first.text) : undefined;
  }
  return false;
}

export function deriveMacroRoles(macros: Iterable<MacroDef>, lookup: MacroLookup): MacroRoles {
  const roles: MacroRoles = { attributeLike: new Set(), markers: new Set(), generators: new Set() };
  const seen = new Set<string>();
  for (const m of macros) {
    if (seen.has(m.name)) continue;
    seen.add(m.name);
    if (m.params && (isGeneratorBody(m.body) || declarationsOnly(m.body))) { roles.generators.add(m.name); continue; }
    if (!m.body.length) {
      // An empty macro used outside #if disappears in the compiler's eyes too.
      roles.attributeLike.add(m.name);
      continue;
    }
    // Cheap pre-check: an attribute-like body starts with an attribute word or another macro's name.
    const first = m.body[0];
    if (first.kind !== 'id' || (!ATTRIBUTE_WORDS.has(first.text) && !lookup.get(first.text) && !BUILTIN_ATTRIBUTE_MACROS.includes(first.text))) continue;
    if (leadsTooDeep(m, lookup)) continue;
    const call: Token[] = [tok('id', m.name, -1, -1)];
    if (m.params) {
      call.push(tok('punct', '(', -1, -1));
      m.params.forEach((_, i) => {
        if (i) call.push(tok('punct', ',', -1, -1));
        call.push(tok('num', String(i + 1), -1, -1));
      });
      call.push(tok('punct', ')', -1, -1));
    }
    let ok = true;
    let marker = false;
    for (const assumeDefined of [1, 0] as const) {
      const r = expand(call, lookup, { assumeDefined, budget: 120 });
      const c = isAttributeExpansion(r.tokens);
      ok &&= c.ok && !r.truncated;
      marker ||= c.marker;
      if (!ok || !r.usedAssumption) break;
    }
    if (ok) {
      roles.attributeLike.add(m.name);
      if (marker) roles.markers.add(m.name);
    }
  }
  for (const name of BUILTIN_ATTRIBUTE_MACROS) if (!seen.has(name)) roles.attributeLike.add(name);
  return roles;
}
