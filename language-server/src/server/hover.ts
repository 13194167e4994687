// Hover: what a function is in the datapath (kind, section, attach point, slot, who tail-calls it),
// and at a tail-call site where it jumps (targets per object) and under which condition.
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import type { Analysis, CallSite, FunctionDef, MacroDef, Resolution, Span } from './analysis';
import { callersReaching, sitesInside } from './sites';
import { edgeLabel, programSummary, toRange } from './convert';

const MAX_LIST = 12;

export function hover(a: Analysis, file: string, pos: Position): Hover | null {
  const id = a.identifierAt(file, pos);
  if (!id) return null;
  const r: Resolution | undefined = id.resolution ?? fallback(a, id.name);
  if (!r) return null;
  let lines: string[];
  switch (r.kind) {
    case 'function': lines = functionHover(a, r.defs, file, id.range); break;
    case 'slot': lines = slotHover(id.name, r.defs, r.targets, r.sites); break;
    case 'wrapper': lines = wrapperHover(id.name, r.defs, r.sites); break;
    case 'macro': lines = r.defs.slice(0, 3).flatMap(macroBlock); break;
    case 'map': lines = [`**${id.name}** — map, defined in \`${r.defs[0]?.file}\`` + cond(r.defs[0]?.condition)]; break;
  }
  if (!lines.length) return null;
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n\n') }, range: toRange(id.range) };
}

function fallback(a: Analysis, name: string): Resolution | undefined {
  const fns = a.functions(name);
  if (fns.length) return { kind: 'function', defs: fns };
  const macros = a.macros(name);
  if (macros.length) return { kind: 'macro', defs: macros };
  const maps = a.maps(name);
  return maps.length ? { kind: 'map', defs: maps } : undefined;
}

function functionHover(a: Analysis, defs: FunctionDef[], file: string, at: Span): string[] {
  // On a definition's own name, describe that definition (a program name can repeat across objects).
  const def = defs.find((d) => d.file === file && d.nameRange.start.line === at.start.line)
    ?? defs.find((d) => d.file === file) ?? defs[0];
  if (!def) return [];
  if (def.declaredBy) return [`**${def.name}** — BPF helper, declared with \`${def.declaredBy}(…)\` in \`${def.file}:${def.nameRange.start.line + 1}\`${cond(def.condition)}`];
  const out = [`**${def.name}** — ${def.programs.length ? 'datapath program' : 'function'} in \`${def.file}:${def.nameRange.start.line + 1}\`${cond(def.condition)}`];
  if (defs.length > 1) out.push(`${defs.length} definitions: ${defs.map((d) => `\`${d.file}:${d.nameRange.start.line + 1}\``).join(', ')}`);
  for (const p of def.programs) out.push(`- ${programSummary(p)}${p.condition ? ` (if \`${p.condition}\`)` : ''}`);
  const callers = callersReaching(a.callersOf(def.name), def, defs);
  const tails = callers.filter((s) => s.kind !== 'call');
  if (tails.length) {
    out.push('Tail-called from:\n' + list(tails.map((s) => `- \`${s.caller}\` — ${edgeLabel(s)}${s.object ? ` in ${s.object}` : ''} (\`${s.file}:${s.range.start.line + 1}\`)`)));
  } else if (def.programs.some((p) => p.kind === 'tail')) {
    out.push('Tail-called from: no tail-call site found in the tree');
  }
  const calls = callers.length - tails.length;
  if (calls) out.push(`Called directly from ${calls} site${calls === 1 ? '' : 's'}: ${unique(callers.filter((s) => s.kind === 'call').map((s) => `\`${s.caller}\``)).slice(0, MAX_LIST).join(', ')}`);
  const own = defs.length > 1 ? sitesInside(a.callsFrom(def.name), def) : a.callsFrom(def.name);
  const outTails = own.filter((s) => s.kind !== 'call');
  if (outTails.length) out.push(`Tail calls out to: ${unique(outTails.map((s) => `\`${s.callee}\``)).slice(0, MAX_LIST).join(', ')}`);
  return out;
}

function slotHover(name: string, defs: MacroDef[], targets: Array<{ object: string; program: FunctionDef }>, sites: CallSite[]): string[] {
  const value = defs[0] ? ` = \`${defs[0].body.trim()}\`` : '';
  const out = [`**${name}**${value} — program slot${defs[0] ? ` (\`${defs[0].file}:${defs[0].nameRange.start.line + 1}\`)` : ''}`];
  if (sites.length) {
    out.push('Tail call here:\n' + list(sites.map((s) => `- → \`${s.callee}\`${s.object ? ` in ${s.object}` : ''} — ${edgeLabel(s)}`)));
  } else if (targets.length) {
    out.push('Holds:\n' + list(targets.map((t) => `- \`${t.program.name}\` in ${t.object} (\`${t.program.file}:${t.program.nameRange.start.line + 1}\`)`)));
  } else {
    out.push('No program is declared for this slot in the tree.');
  }
  return out;
}

function wrapperHover(name: string, defs: Array<FunctionDef | MacroDef>, sites: CallSite[]): string[] {
  const def = defs[0];
  const out = [`**${name}** — tail-call wrapper${def ? ` (\`${def.file}:${def.nameRange.start.line + 1}\`)` : ''}`];
  if (sites.length) out.push('Jumps to:\n' + list(sites.map((s) => `- \`${s.callee}\`${s.object ? ` in ${s.object}` : ''} — ${edgeLabel(s)}`)));
  return out;
}

function macroBlock(m: MacroDef): string[] {
  const head = `#define ${m.name}${m.params ? `(${m.params.join(', ')})` : ''}`;
  const body = m.body.length > 600 ? m.body.slice(0, 600) + ' …' : m.body;
  return ['```c\n' + head + ' ' + body + '\n```', `\`${m.file}:${m.nameRange.start.line + 1}\`${cond(m.condition)}`];
}

function cond(c: string | undefined): string { return c ? ` — if \`${c}\`` : ''; }
function unique(xs: string[]): string[] { return [...new Set(xs)]; }
function list(lines: string[]): string {
  const u = unique(lines);
  return u.length > MAX_LIST ? [...u.slice(0, MAX_LIST), `- … ${u.length - MAX_LIST} more`].join('\n') : u.join('\n');
}
