// Core results → LSP types. The core speaks bpf-relative paths and 0-based spans; LSP wants URIs.
import {
  DiagnosticSeverity, SymbolKind, type Diagnostic, type Location, type Range,
} from 'vscode-languageserver/node';
import type { FileSymbol, Span, TreeDiagnostic } from './analysis';
import type { GraphEdge, GraphProgram } from '../core/graph-schema';
import type { PathMapper } from './workspace';

export function toRange(span: Span): Range {
  return { start: { ...span.start }, end: { ...span.end } };
}

export function toLocation(mapper: PathMapper, file: string, span: Span): Location {
  return { uri: mapper.uri(file), range: toRange(span) };
}

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information };

export function toLspDiagnostic(d: TreeDiagnostic, mapper: PathMapper): Diagnostic {
  return {
    range: toRange(d.range), severity: SEVERITY[d.severity], code: d.code, source: 'dpnav', message: d.message,
    relatedInformation: d.related?.map((r) => ({ location: toLocation(mapper, r.file, r.range), message: r.message })),
  };
}

export function symbolKind(s: FileSymbol): SymbolKind {
  if (s.kind === 'function') return SymbolKind.Function;
  if (s.kind === 'map') return SymbolKind.Variable;
  return s.params ? SymbolKind.Method : SymbolKind.Constant;
}

/** "entry program · from-container · lxc* tc-ingress", "tail program · slot CILIUM_CALL_IPV4_FROM_LXC (7) · bpf_lxc.c" */
export function programSummary(p: GraphProgram): string {
  const parts = [`${p.kind} program`];
  if (p.section) parts.push(`section ${p.section}`);
  if (p.slot) parts.push(`slot ${p.slot}${p.slotValue !== undefined ? ` (${p.slotValue})` : ''}`);
  if (p.attach) parts.push(`${p.attach.device} ${p.attach.hook}`);
  parts.push(p.object);
  return parts.join(' · ');
}

/** "tail call via ep_tail_call [CILIUM_CALL_IPV4_FROM_LXC]", "dynamic tail call via tail_call_dynamic", "call". */
export function edgeLabel(e: Pick<GraphEdge, 'kind' | 'via' | 'slot' | 'condition'>): string {
  let label = e.kind === 'call' ? 'call' : e.kind === 'tail' ? 'tail call' : 'dynamic tail call';
  if (e.kind !== 'call' && e.via) label += ` via ${e.via}`;
  else if (e.kind === 'call' && e.via) label += ` (through ${e.via})`;
  if (e.slot) label += ` [${e.slot}]`;
  if (e.condition) label += ` if ${e.condition}`;
  return label;
}
