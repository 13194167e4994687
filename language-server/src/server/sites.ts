// Which definition a call site reaches when a name is defined more than once. Program names repeat
// across objects (bpf_lxc.c and bpf_overlay.c may each have a tail_handle_ipv4 for the same slot), so a
// site's object decides: a program definition is reached from sites of its own object, a function in
// a .c file from sites of that object; a header function is shared by every object including it.
import type { CallSite, FunctionDef, Span } from './analysis';

export function siteReaches(site: CallSite, def: FunctionDef, allDefs: FunctionDef[]): boolean {
  if (allDefs.length <= 1) return true;
  if (site.object) {
    if (def.programs.length) return def.programs.some((p) => p.object === site.object);
    if (def.file.endsWith('.c')) return def.file === site.object;
    return true;
  }
  // A direct call carries no object: a .c file's function is reached from its own file or from headers.
  if (def.file.endsWith('.c')) return site.file === def.file || !site.file.endsWith('.c');
  return true;
}

/** The definitions of a callee that the site reaches, most specific first. */
export function defsReached(defs: FunctionDef[], site: CallSite): FunctionDef[] {
  if (defs.length <= 1) return defs;
  if (site.object) {
    const exact = defs.filter((d) => d.programs.some((p) => p.object === site.object) || d.file === site.object);
    if (exact.length) return exact;
  }
  const sameFile = defs.filter((d) => d.file === site.file);
  if (sameFile.length) return sameFile;
  return defs.filter((d) => siteReaches(site, d, defs));
}

/** The single definition a site most likely reaches. */
export function pickDef(defs: FunctionDef[], site: CallSite): FunctionDef | undefined {
  return defsReached(defs, site)[0] ?? defs[0];
}

export function within(inner: Span, outer: Span): boolean {
  const before = (p: Span['start'], q: Span['start']) => p.line < q.line || (p.line === q.line && p.character <= q.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

/** Sites of `sites` that lie inside the definition (when it has several definitions, each has its own sites). */
export function sitesInside(sites: CallSite[], def: FunctionDef): CallSite[] {
  const inside = sites.filter((s) => s.file === def.file && within(s.range, def.range));
  // A macro-generated function's sites may sit in the generator's body elsewhere: keep all then.
  return inside.length ? inside : sites.filter((s) => s.file !== def.file || !sites.some((t) => t.file === def.file));
}

/** Sites that reach this very definition. */
export function callersReaching(sites: CallSite[], def: FunctionDef, allDefs: FunctionDef[]): CallSite[] {
  return sites.filter((s) => siteReaches(s, def, allDefs));
}
