// Call hierarchy across direct calls, tail calls and dynamic (policy) tail calls. Each incoming or
// outgoing entry carries its kind in the item's detail: "tail call via ep_tail_call [CILIUM_CALL_…]".
import {
  SymbolKind, type CallHierarchyIncomingCall, type CallHierarchyItem, type CallHierarchyOutgoingCall, type Position,
} from 'vscode-languageserver/node';
import type { Analysis, CallSite, FunctionDef, Span } from './analysis';
import { edgeLabel, programSummary, toRange } from './convert';
import { callersReaching, defsReached, pickDef, sitesInside, within } from './sites';
import type { PathMapper } from './workspace';

interface ItemData { name: string; file: string; line: number }

export function hierarchyItem(mapper: PathMapper, def: FunctionDef, detail?: string): CallHierarchyItem {
  const programs = def.programs.map(programSummary);
  return {
    name: def.name, kind: SymbolKind.Function, uri: mapper.uri(def.file),
    detail: detail ?? (programs.length ? programs.join('; ') : def.file),
    range: toRange(def.range), selectionRange: toRange(def.nameRange),
    data: { name: def.name, file: def.file, line: def.nameRange.start.line } satisfies ItemData,
  };
}

/** The function(s) at the position: the one named there (or reached through a slot), else the enclosing one. */
export function prepare(a: Analysis, mapper: PathMapper, file: string, pos: Position): CallHierarchyItem[] | null {
  const id = a.identifierAt(file, pos);
  let defs: FunctionDef[] = [];
  if (id?.resolution?.kind === 'function') defs = id.resolution.defs;
  else if (id?.resolution?.kind === 'slot') defs = uniqueDefs(id.resolution.targets.map((t) => t.program));
  else if (id?.resolution?.kind === 'wrapper') defs = id.resolution.defs.filter((d): d is FunctionDef => 'programs' in d);
  else if (id && !id.resolution) defs = a.functions(id.name);
  if (!defs.length) {
    const enclosing = a.functionAt(file, pos);
    if (enclosing) defs = [enclosing];
  }
  return defs.length ? preferVisible(defs, file, pos).map((d) => hierarchyItem(mapper, d)) : null;
}

/**
 * The definition under the cursor first; else (a call site) the definitions the file sees first: its own,
 * then headers', then other C files' (another object's same-name function). Stable otherwise.
 */
function preferVisible(defs: FunctionDef[], file: string, pos: Position): FunctionDef[] {
  if (defs.length < 2) return defs;
  const here = defs.find((d) => d.file === file && within({ start: pos, end: pos }, d.nameRange));
  const rank = (d: FunctionDef) => (d === here ? 0 : d.file === file ? 1 : !d.file.endsWith('.c') ? 2 : 3);
  return defs.map((d, i) => ({ d, i })).sort((x, y) => rank(x.d) - rank(y.d) || x.i - y.i).map((x) => x.d);
}

function itemData(item: CallHierarchyItem): ItemData {
  const d = item.data as Partial<ItemData> | undefined;
  return { name: d?.name ?? item.name, file: d?.file ?? '', line: d?.line ?? item.selectionRange.start.line };
}

/** The definition an item stands for: same name, same file and line when we made the item, else the first. */
function defOf(a: Analysis, data: ItemData): FunctionDef | undefined {
  const defs = a.functions(data.name);
  return defs.find((d) => d.file === data.file && d.nameRange.start.line === data.line)
    ?? defs.find((d) => d.file === data.file) ?? defs[0];
}

const siteKey = (s: CallSite, other: string) => `${other}\u0000${s.kind}\u0000${s.via ?? ''}\u0000${s.slot ?? ''}\u0000${s.condition ?? ''}`;

export function outgoing(a: Analysis, mapper: PathMapper, item: CallHierarchyItem): CallHierarchyOutgoingCall[] {
  const data = itemData(item);
  const def = defOf(a, data);
  let sites = a.callsFrom(data.name);
  // A name defined twice (per object, per #ifdef branch) has sites in each; keep this definition's.
  if (def && a.functions(data.name).length > 1) sites = sitesInside(sites, def);
  const groups = new Map<string, { site: CallSite; ranges: Span[] }>();
  for (const s of sites) {
    const key = siteKey(s, s.callee);
    const g = groups.get(key);
    if (g) g.ranges.push(s.range); else groups.set(key, { site: s, ranges: [s.range] });
  }
  const out: CallHierarchyOutgoingCall[] = [];
  for (const { site, ranges } of groups.values()) {
    for (const target of defsReached(a.functions(site.callee), site)) {
      out.push({ to: hierarchyItem(mapper, target, edgeLabel(site)), fromRanges: dedupeRanges(ranges).map(toRange) });
    }
  }
  return out.sort(byFromRange);
}

export function incoming(a: Analysis, mapper: PathMapper, item: CallHierarchyItem): CallHierarchyIncomingCall[] {
  const data = itemData(item);
  const groups = new Map<string, { site: CallSite; ranges: Span[]; from: FunctionDef }>();
  const def = defOf(a, data);
  const callers = a.callersOf(data.name);
  for (const s of def ? callersReaching(callers, def, a.functions(data.name)) : callers) {
    const from = a.functions(s.caller).find((d) => d.file === s.file && within(s.range, d.range)) ?? pickDef(a.functions(s.caller), s);
    if (!from) continue;
    const key = siteKey(s, `${from.name}@${from.file}:${from.nameRange.start.line}`);
    const g = groups.get(key);
    if (g) g.ranges.push(s.range); else groups.set(key, { site: s, ranges: [s.range], from });
  }
  return [...groups.values()].map(({ site, ranges, from }) => ({
    from: hierarchyItem(mapper, from, edgeLabel(site)), fromRanges: dedupeRanges(ranges).map(toRange),
  }));
}

function uniqueDefs(defs: FunctionDef[]): FunctionDef[] {
  const seen = new Set<string>();
  return defs.filter((d) => {
    const key = `${d.file}:${d.nameRange.start.line}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function dedupeRanges(ranges: Span[]): Span[] {
  const seen = new Set<string>();
  return ranges.filter((r) => {
    const key = `${r.start.line}:${r.start.character}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function byFromRange(x: CallHierarchyOutgoingCall, y: CallHierarchyOutgoingCall): number {
  const a = x.fromRanges[0]?.start, b = y.fromRanges[0]?.start;
  if (!a || !b) return 0;
  return a.line - b.line || a.character - b.character;
}
