// Document and workspace symbols; programs carry their kind in the detail ("entry program · …").
import { type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver/node';
import type { Analysis, FileSymbol } from './analysis';
import { programSummary, symbolKind, toLocation, toRange } from './convert';
import type { PathMapper } from './workspace';

const MAX_WORKSPACE_SYMBOLS = 500;

function detail(s: FileSymbol): string {
  if (s.kind === 'function' && s.declaredBy) return `helper · declared by ${s.declaredBy}(…)${s.condition ? ` · if ${s.condition}` : ''}`;
  if (s.kind === 'function') return s.programs.length ? s.programs.map(programSummary).join('; ') : (s.condition ? `if ${s.condition}` : '');
  if (s.kind === 'macro') return s.params ? `#define ${s.name}(${s.params.join(', ')})` : `#define ${s.body.trim().slice(0, 60)}`;
  return 'map';
}

export function documentSymbols(a: Analysis, file: string): DocumentSymbol[] {
  return a.fileSymbols(file)
    .slice()
    .sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character)
    .map((s) => ({
      name: s.name, detail: detail(s), kind: symbolKind(s),
      range: toRange(s.range), selectionRange: toRange(s.nameRange),
    }));
}

/** Case-insensitive match: substring first, then subsequence (as editors' fuzzy pickers do). */
function score(name: string, query: string): number {
  if (!query) return 1;
  const n = name.toLowerCase();
  const at = n.indexOf(query);
  if (at === 0) return 3;
  if (at > 0) return 2;
  let i = 0;
  for (const ch of n) if (ch === query[i]) i++;
  return i === query.length ? 1 : 0;
}

export function workspaceSymbols(a: Analysis, mapper: PathMapper, query: string): SymbolInformation[] {
  const q = query.toLowerCase();
  const scored: Array<{ s: FileSymbol; score: number }> = [];
  for (const s of a.allSymbols()) {
    const sc = score(s.name, q);
    if (sc) scored.push({ s, score: sc + (s.kind === 'function' && s.programs.length ? 0.5 : 0) });
  }
  scored.sort((x, y) => y.score - x.score || x.s.name.length - y.s.name.length || x.s.name.localeCompare(y.s.name));
  return scored.slice(0, MAX_WORKSPACE_SYMBOLS).map(({ s }) => ({
    name: s.name,
    kind: symbolKind(s),
    location: toLocation(mapper, s.file, s.nameRange),
    containerName: s.kind === 'function' && s.programs.length ? `${s.programs[0]!.kind} program · ${s.file}`
      : s.kind === 'function' && s.declaredBy ? `helper (${s.declaredBy}) · ${s.file}` : s.file,
  }));
}
