// Code lenses over entry and tail programs (attach point, tail calls out, tail-called from) and
// inlay hints at tail-call sites naming the program the site jumps to.
import { InlayHintKind, type CodeLens, type InlayHint, type Range } from 'vscode-languageserver/node';
import type { Analysis, CallSite, FunctionDef } from './analysis';
import { toLocation, toRange } from './convert';
import { callersReaching, pickDef, sitesInside, within } from './sites';
import { ShowReferencesCommand } from './protocol';
import type { PathMapper } from './workspace';

const MAX_NAMES = 3;

export function codeLenses(a: Analysis, mapper: PathMapper, file: string, withCommands: boolean): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const s of a.fileSymbols(file)) {
    if (s.kind !== 'function' || !s.programs.length) continue;
    const at = toRange(s.nameRange);
    const lens = (title: string, sites?: CallSite[], useTarget = false): CodeLens => {
      if (!withCommands || !sites?.length) return { range: at, command: { title, command: '' } };
      const locations = sites.map((x) => {
        if (!useTarget) return toLocation(mapper, x.file, x.range);
        const target = pickDef(a.functions(x.callee), x);
        return target ? toLocation(mapper, target.file, target.nameRange) : toLocation(mapper, x.file, x.range);
      });
      return { range: at, command: { title, command: ShowReferencesCommand, arguments: [mapper.uri(file), at.start, locations] } };
    };
    lenses.push(lens(headline(s)));
    const allDefs = a.functions(s.name);
    const own = allDefs.length > 1 ? sitesInside(a.callsFrom(s.name), s) : a.callsFrom(s.name);
    const out = uniqueBy(own.filter((x) => x.kind !== 'call'), (x) => `${x.callee}@${x.object ?? ''}`);
    if (out.length) lenses.push(lens(`tail calls → ${names(out.map((x) => x.callee))}`, out, true));
    const from = uniqueBy(callersReaching(a.callersOf(s.name), s, allDefs).filter((x) => x.kind !== 'call'),
      (x) => `${x.caller}@${x.file}:${x.range.start.line}`);
    if (from.length) lenses.push(lens(`tail-called from ${names(unique(from.map((x) => x.caller)))}`, from));
    else if (s.programs.some((p) => p.kind === 'tail')) lenses.push(lens('tail-called from: no site found'));
  }
  return lenses;
}

function headline(def: FunctionDef): string {
  return def.programs.map((p) => {
    if (p.kind === 'entry') return `entry program${p.attach ? ` · ${p.attach.device} ${p.attach.hook}` : ''}${p.section ? ` · ${p.section}` : ''}`;
    const slot = p.slot ? ` · ${p.slot}${p.slotValue !== undefined ? ` (${p.slotValue})` : ''}` : '';
    return `${p.kind} program${slot} · ${p.object}`;
  }).filter((x, i, xs) => xs.indexOf(x) === i).join(' | ');
}

export function inlayHints(a: Analysis, file: string, range: Range): InlayHint[] {
  const hints: InlayHint[] = [];
  for (const s of a.fileSymbols(file)) {
    if (s.kind !== 'function' || s.range.end.line < range.start.line || s.range.start.line > range.end.line) continue;
    const bySite = new Map<string, CallSite[]>();
    for (const x of a.callsFrom(s.name)) {
      if (x.kind === 'call' || x.file !== file || !insideDef(x, s)) continue;
      if (x.range.start.line < range.start.line || x.range.start.line > range.end.line) continue;
      const key = `${x.range.end.line}:${x.range.end.character}`;
      (bySite.get(key) ?? bySite.set(key, []).get(key)!).push(x);
    }
    for (const sites of bySite.values()) {
      const first = sites[0]!;
      const targets = unique(sites.map((x) => x.callee));
      const label = first.kind === 'dynamic-tail' && targets.length > MAX_NAMES
        ? `→ ${targets.length} policy programs`
        : `→ ${names(targets)}`;
      hints.push({
        position: { ...first.range.end }, label, kind: InlayHintKind.Type, paddingLeft: true,
        tooltip: sites.map((x) => `${x.callee}${x.object ? ` (${x.object})` : ''}`).join('\n'),
      });
    }
  }
  return hints;
}

function insideDef(site: CallSite, def: FunctionDef): boolean {
  return site.file !== def.file || within(site.range, def.range);
}

function names(xs: string[]): string {
  const u = unique(xs);
  return u.length > MAX_NAMES ? `${u.slice(0, MAX_NAMES).join(', ')} +${u.length - MAX_NAMES}` : u.join(', ');
}
function unique(xs: string[]): string[] { return [...new Set(xs)]; }
function uniqueBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}
