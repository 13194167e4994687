// Go to definition and find references, tail calls included: a slot constant at a tail-call site
// leads to the program(s) that slot holds in the site's object, then to its #define.
import type { Location, LocationLink, Position } from 'vscode-languageserver/node';
import type { Analysis, IdentifierAt, Span } from './analysis';
import { toLocation, toRange } from './convert';
import { callersReaching } from './sites';
import type { PathMapper } from './workspace';

interface Target { file: string; range: Span; nameRange: Span }

/** Definition targets for the identifier, most specific first (tail-call targets before the slot's #define). */
export function definitionTargets(a: Analysis, id: IdentifierAt, file: string): Target[] {
  const r = id.resolution;
  const out: Target[] = [];
  if (r) {
    switch (r.kind) {
      case 'function':
        out.push(...visibleFrom(r.defs, file));
        break;
      case 'slot': {
        const seen = new Set<string>();
        for (const t of r.targets) {
          const key = `${t.program.file}:${t.program.nameRange.start.line}`;
          if (!seen.has(key)) { seen.add(key); out.push(t.program); }
        }
        out.push(...r.defs);
        break;
      }
      default:
        out.push(...r.defs);
    }
  }
  if (!out.length) {
    // The core could not say what the name is here (e.g. inside a macro body it did not expand):
    // fall back to the tree's definitions of that name.
    out.push(...a.functions(id.name), ...a.macros(id.name), ...a.maps(id.name));
  }
  return out;
}

/**
 * A function defined in several C files (each object's own static `handle_ipv4`): from one of them,
 * only its own definition (and header ones) is visible; from a header, all are.
 */
export function visibleFrom<T extends { file: string }>(defs: T[], file: string): T[] {
  if (defs.length < 2 || !file.endsWith('.c') || !defs.some((d) => d.file === file)) return defs;
  return defs.filter((d) => d.file === file || !d.file.endsWith('.c'));
}

export function definition(a: Analysis, mapper: PathMapper, file: string, pos: Position, links: boolean): Location[] | LocationLink[] | null {
  const id = a.identifierAt(file, pos);
  if (!id) return null;
  const targets = definitionTargets(a, id, file);
  if (!targets.length) return null;
  if (links) {
    return targets.map((t) => ({
      originSelectionRange: toRange(id.range), targetUri: mapper.uri(t.file),
      targetRange: toRange(t.range), targetSelectionRange: toRange(t.nameRange),
    }));
  }
  return targets.map((t) => toLocation(mapper, t.file, t.nameRange));
}

/**
 * Every occurrence of the name in code, plus — for a program — the tail-call sites that reach it
 * (where its name never appears: the site names the slot).
 */
export function references(a: Analysis, mapper: PathMapper, file: string, pos: Position, includeDeclaration: boolean): Location[] | null {
  const id = a.identifierAt(file, pos);
  if (!id) return null;
  const found = new Map<string, { file: string; range: Span }>();
  const add = (f: string, range: Span) => found.set(`${f}:${range.start.line}:${range.start.character}`, { file: f, range });
  for (const o of a.occurrences(id.name)) add(o.file, o.range);
  const r = id.resolution;
  if (!r || r.kind === 'function') {
    const defs = r?.defs ?? a.functions(id.name);
    // On one definition's name (program names repeat across objects), only the sites reaching it.
    const onDef = defs.find((d) => d.file === file && d.nameRange.start.line === id.range.start.line);
    const sites = onDef ? callersReaching(a.callersOf(id.name), onDef, defs) : a.callersOf(id.name);
    for (const site of sites) if (site.kind !== 'call') add(site.file, site.range);
  }
  if (!includeDeclaration) {
    const decls = r ? r.defs : [...a.functions(id.name), ...a.macros(id.name), ...a.maps(id.name)];
    for (const d of decls) found.delete(`${d.file}:${d.nameRange.start.line}:${d.nameRange.start.character}`);
  }
  return [...found.values()]
    .sort((x, y) => x.file.localeCompare(y.file) || x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character)
    .map((o) => toLocation(mapper, o.file, o.range));
}
