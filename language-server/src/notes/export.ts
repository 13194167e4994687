// Exports of the annotated tail-call graph: Mermaid, DOT and a self-contained SVG (a plain layered layout,
// one band per object, so no layout engine is needed). Shapes and ids follow `dpnav graph --format
// dot|mermaid`; notes add a line under the program name or a label on the edge, and their colour.
// Note text is untrusted: each format escapes it so it stays text (no Mermaid markup, DOT syntax or SVG/HTML).
import type { Graph } from '../core/graph-schema';
import { annotateGraph, type AnnotatedEdge, type AnnotatedGraph, type AnnotatedNode } from './annotate';
import { describeTarget, type Note } from './schema';
import { noteSummary } from './markdown';

const SUMMARY = 60;

const noteLine = (n: Note) => noteSummary(`${n.tag ? `[${n.tag}] ` : ''}${n.text}`, SUMMARY);
const colorOf = (notes: Note[]) => notes.find((n) => n.color)?.color;

/** Text that Mermaid shows as is inside a quoted label: its entity codes replace every markup character. */
function mermaidText(s: string): string {
  return s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')
    .replace(/`/g, '#96;').replace(/\|/g, '#124;').replace(/[\r\n]+/g, ' ');
}

export function toAnnotatedMermaid(graph: Graph, notes: Note[]): string {
  const g = annotateGraph(graph, notes);
  const ids = new Map<string, string>();
  const id = (key: string) => {
    let v = ids.get(key);
    if (!v) { v = `n${ids.size}`; ids.set(key, v); }
    return v;
  };
  const lines = ['flowchart LR'];
  const styles: string[] = [];
  g.objects.forEach((o, i) => {
    lines.push(`  subgraph obj${i}["${mermaidText(o.object)}"]`);
    for (const n of o.nodes) {
      const parts = [n.kind === 'entry' && n.attach ? `${n.name}` : n.name, ...(n.kind === 'entry' && n.attach ? [n.attach] : [])].map(mermaidText);
      for (const note of n.notes) parts.push(`📝 ${mermaidText(noteLine(note))}`);
      const text = parts.join('<br/>');
      const shape = n.kind === 'entry' ? `(["${text}"])` : n.kind === 'policy' ? `{{"${text}"}}` : `["${text}"]`;
      lines.push(`    ${id(n.id)}${shape}`);
      const color = colorOf(n.notes);
      if (color) styles.push(`  style ${id(n.id)} stroke:${color},stroke-width:3px`);
    }
    lines.push('  end');
  });
  g.edges.forEach((e, i) => {
    const labels = [...(e.kind === 'dynamic-tail' ? ['policy'] : []), ...e.notes.map((n) => `📝 ${noteLine(n)}`)];
    const arrow = e.kind === 'dynamic-tail' ? '-.->' : '-->';
    lines.push(`  ${id(e.from)} ${arrow}${labels.length ? `|"${mermaidText(labels.join(' · '))}"|` : ''} ${id(e.to)}`);
    const color = colorOf(e.notes);
    if (color) styles.push(`  linkStyle ${i} stroke:${color},stroke-width:2px`);
  });
  lines.push(...styles, ...unplacedComments(g, '  %% '));
  return lines.join('\n') + '\n';
}

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\r\n]+/g, ' ')}"`;
/** A DOT label of several lines: each line escaped, joined by DOT's centred line break. */
const dotLabel = (lines: string[]) => `"${lines.map((l) => dotString(l).slice(1, -1)).join('\\n')}"`;

export function toAnnotatedDot(graph: Graph, notes: Note[]): string {
  const g = annotateGraph(graph, notes);
  const lines = ['digraph tailcalls {', '  rankdir=LR;', '  node [shape=box, fontname="monospace", fontsize=10];',
    '  edge [fontname="monospace", fontsize=8];'];
  g.objects.forEach((o, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${dotString(o.object)};`, '    style=rounded;');
    for (const n of o.nodes) {
      const style = n.kind === 'entry' ? ', style=filled, fillcolor="#dbeafe"' : n.kind === 'policy' ? ', style=filled, fillcolor="#fde68a"' : '';
      const head = n.kind === 'entry' && n.attach ? [n.name, n.attach] : n.slot ? [n.name, n.slot] : [n.name];
      const color = colorOf(n.notes);
      const noteAttrs = n.notes.length ? `, penwidth=2${color ? `, color=${dotString(color)}` : ''}, tooltip=${dotString(n.notes.map((x) => x.text).join(' | '))}` : '';
      lines.push(`    ${dotString(n.id)} [label=${dotLabel([...head, ...n.notes.map((x) => `📝 ${noteLine(x)}`)])}${style}${noteAttrs}];`);
    }
    lines.push('  }');
  });
  for (const e of g.edges) {
    const attrs: string[] = [];
    if (e.kind === 'dynamic-tail') attrs.push('style=dashed');
    const labels = [...(e.kind === 'dynamic-tail' ? ['policy'] : []), ...e.notes.map((x) => `📝 ${noteLine(x)}`)];
    if (labels.length) attrs.push(`label=${dotLabel(labels)}`);
    const color = colorOf(e.notes);
    if (color) attrs.push(`color=${dotString(color)}`);
    lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push(...unplacedComments(g, '  // '));
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Notes that are not drawn, as comments, so an export never silently loses one. */
function unplacedComments(g: AnnotatedGraph, prefix: string): string[] {
  const out: string[] = [];
  for (const r of g.elsewhere) out.push(`${prefix}note on ${oneLine(describeTarget(r.note.target))}: ${oneLine(noteLine(r.note))}`);
  for (const r of g.orphaned) {
    const where = r.status === 'orphaned' && r.lastKnown ? ` (last seen ${r.lastKnown.file}:${r.lastKnown.line})` : '';
    out.push(`${prefix}orphaned note on ${oneLine(describeTarget(r.note.target))}${oneLine(where)}: ${oneLine(noteLine(r.note))}`);
  }
  return out;
}
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

// ---- SVG: a layered layout drawn by hand ----------------------------------------------------------

const NODE_W = 230, LINE_H = 14, PAD = 8, COL_GAP = 90, ROW_GAP = 18, BAND_GAP = 40, MARGIN = 20, CHARS = 30;

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const clip = (s: string, n = CHARS) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

interface Box { node: AnnotatedNode; x: number; y: number; h: number; lines: string[] }

export function toAnnotatedSvg(graph: Graph, notes: Note[]): string {
  const g = annotateGraph(graph, notes);
  const boxes = new Map<string, Box>();
  const parts: string[] = [];
  let top = MARGIN;
  let width = 0;
  for (const o of g.objects) {
    const layers = layerOf(o.nodes, g.edges.filter((e) => e.object === o.object));
    const columns: AnnotatedNode[][] = [];
    for (const n of o.nodes) (columns[layers.get(n.id) ?? 0] ??= []).push(n);
    let bandHeight = 0;
    columns.forEach((col, c) => {
      let y = top + LINE_H + PAD;
      for (const n of col ?? []) {
        const lines = [n.name, ...(n.attach ? [n.attach] : n.slot ? [n.slot] : []), ...n.notes.map((x) => `📝 ${noteLine(x)}`)].map((l) => clip(l));
        const h = lines.length * LINE_H + 2 * PAD;
        boxes.set(n.id, { node: n, x: MARGIN + c * (NODE_W + COL_GAP), y, h, lines });
        y += h + ROW_GAP;
      }
      bandHeight = Math.max(bandHeight, y - top);
    });
    width = Math.max(width, MARGIN + columns.length * (NODE_W + COL_GAP));
    parts.push(`<text x="${MARGIN}" y="${top + LINE_H - 2}" class="object">${xml(o.object)}</text>`);
    top += bandHeight + BAND_GAP;
  }
  for (const b of boxes.values()) {
    const color = colorOf(b.node.notes);
    const fill = b.node.kind === 'entry' ? '#dbeafe' : b.node.kind === 'policy' ? '#fde68a' : '#ffffff';
    parts.push(`<g class="node ${b.node.kind}${b.node.notes.length ? ' noted' : ''}"><title>${xml(b.node.id)}</title>`
      + `<rect x="${b.x}" y="${b.y}" width="${NODE_W}" height="${b.h}" rx="6" fill="${fill}" stroke="${color ?? '#475569'}" stroke-width="${b.node.notes.length ? 2.5 : 1}"/>`
      + b.lines.map((l, i) => `<text x="${b.x + PAD}" y="${b.y + PAD + (i + 1) * LINE_H - 3}"${i >= lineCountBeforeNotes(b.node) ? ' class="note"' : ''}>${xml(l)}</text>`).join('')
      + '</g>');
  }
  for (const e of g.edges) parts.push(edgeSvg(e, boxes));
  const height = top - BAND_GAP + MARGIN;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">\n`
    + '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#475569"/></marker></defs>\n'
    + '<style>.object{font-weight:bold;font-size:12px}.note{font-style:italic;fill:#7c2d12}.edge-note{font-size:10px;fill:#7c2d12}</style>\n'
    + parts.join('\n') + '\n</svg>\n';
}

function lineCountBeforeNotes(n: AnnotatedNode): number { return n.attach || n.slot ? 2 : 1; }

function edgeSvg(e: AnnotatedEdge, boxes: Map<string, Box>): string {
  const a = boxes.get(e.from);
  const b = boxes.get(e.to);
  if (!a || !b) return '';
  const forward = b.x > a.x;
  const x1 = forward ? a.x + NODE_W : a.x + NODE_W / 2;
  const y1 = forward ? a.y + a.h / 2 : a.y + a.h;
  const x2 = forward ? b.x : b.x + NODE_W / 2;
  const y2 = forward ? b.y + b.h / 2 : b.y;
  const color = colorOf(e.notes) ?? '#475569';
  const dash = e.kind === 'dynamic-tail' ? ' stroke-dasharray="5,4"' : '';
  const labels = [...(e.kind === 'dynamic-tail' ? ['policy'] : []), ...e.notes.map((n) => `📝 ${clip(noteLine(n), 40)}`)];
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  return `<g class="edge ${e.kind}${e.notes.length ? ' noted' : ''}"><title>${xml(`${e.from} → ${e.to}`)}</title>`
    + `<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" fill="none" stroke="${color}"${dash} marker-end="url(#arrow)"/>`
    + labels.map((l, i) => `<text x="${mx}" y="${my - 4 + i * 12}" text-anchor="middle" class="edge-note">${xml(l)}</text>`).join('')
    + '</g>';
}

/** Column of each node: its tail-call distance from the nearest entry (or unreached) node of the object. */
function layerOf(nodes: AnnotatedNode[], edges: AnnotatedEdge[]): Map<string, number> {
  const ids = new Set(nodes.map((n) => n.id));
  const out = new Map<string, string[]>();
  const reached = new Set<string>();
  for (const e of edges) {
    if (!ids.has(e.from) || !ids.has(e.to) || e.from === e.to) continue;
    out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
    reached.add(e.to);
  }
  const layer = new Map<string, number>();
  const queue = nodes.filter((n) => n.kind === 'entry' || !reached.has(n.id)).map((n) => n.id);
  for (const id of queue) layer.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    for (const next of out.get(queue[i]) ?? []) {
      if (layer.has(next)) continue;
      layer.set(next, layer.get(queue[i])! + 1);
      queue.push(next);
    }
  }
  for (const n of nodes) if (!layer.has(n.id)) layer.set(n.id, 0);
  return layer;
}
