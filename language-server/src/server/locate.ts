// dpnav/locate: where a function the simulator names (or one of its aliases across Cilium versions)
// is defined in the user's tree, and where inside it a given call is made.
import type { Analysis, FunctionDef, Span } from './analysis';
import { toRange } from './convert';
import { within } from './sites';
import type { IndexState, LocateParams, LocateResult } from './protocol';
import type { PathMapper } from './workspace';

export function validateLocateParams(p: unknown): LocateParams | string {
  if (typeof p !== 'object' || p === null) return 'params must be an object';
  const o = p as Record<string, unknown>;
  const isName = (v: unknown) => typeof v === 'string' && /^[A-Za-z_]\w*$/.test(v);
  const isNames = (v: unknown) => v === undefined || (Array.isArray(v) && v.length <= 50 && v.every(isName));
  if (!isName(o.function)) return 'function must be a C identifier';
  if (!isNames(o.aliases)) return 'aliases must be a list of C identifiers';
  if (o.call !== undefined && !isName(o.call)) return 'call must be a C identifier';
  if (!isNames(o.callAliases)) return 'callAliases must be a list of C identifiers';
  if (o.fileHint !== undefined && typeof o.fileHint !== 'string') return 'fileHint must be a string';
  return o as unknown as LocateParams;
}

export function locate(a: Analysis | undefined, mapper: PathMapper | undefined, p: LocateParams, state: IndexState): LocateResult {
  const names = [p.function, ...(p.aliases ?? [])];
  if (!a || !mapper) return { found: false, reason: `no index yet (${state.state}${state.message ? `: ${state.message}` : ''})` };
  for (const name of names) {
    const defs = a.functions(name);
    if (!defs.length) continue;
    const def = preferred(defs, p.fileHint);
    const result: LocateResult = { found: true, uri: mapper.uri(def.file), range: toRange(def.nameRange), matchedName: name };
    if (p.call) {
      const call = findCall(a, def, [p.call, ...(p.callAliases ?? [])]);
      if (call) { result.callRange = toRange(call.range); result.matchedCall = call.name; }
    }
    return result;
  }
  const tried = names.length > 1 ? `${p.function} (or ${names.slice(1).join(', ')})` : p.function;
  const partial = state.state === 'indexing' ? ` — indexing is still running (${state.files} files so far)` : '';
  return { found: false, reason: `no function named ${tried} in ${mapper.root} (${a.fileCount()} files indexed)${partial}` };
}

function preferred(defs: FunctionDef[], hint: string | undefined): FunctionDef {
  if (hint) {
    const h = hint.replace(/^\/+/, '');
    const match = defs.find((d) => d.file === h || d.file.endsWith('/' + h)) ?? defs.find((d) => d.file.endsWith(h.split('/').pop()!));
    if (match) return match;
  }
  // A program definition beats a prototype-like duplicate; a .c file beats a header for the same name.
  return defs.find((d) => d.programs.length) ?? defs.find((d) => d.file.endsWith('.c')) ?? defs[0]!;
}

/** The first call of one of the names inside the definition: a call site the core saw, else a plain occurrence. */
function findCall(a: Analysis, def: FunctionDef, names: string[]): { name: string; range: Span } | undefined {
  const sites = a.callsFrom(def.name).filter((s) => s.file === def.file && within(s.range, def.range));
  for (const name of names) {
    const site = sites.find((s) => s.callee === name || s.via === name || s.slot === name);
    if (site) return { name, range: site.range };
  }
  for (const name of names) {
    const hit = a.occurrences(name).find((o) => o.file === def.file && within(o.range, def.range));
    if (hit) return { name, range: hit.range };
  }
  return undefined;
}
