// The tail-call graph of the programs on the packet's path, laid out by elkjs (bundled build, run in
// this thread: the graphs here are small) and drawn as SVG. The path is highlighted, the program of
// the current step is marked, and a node click or Enter asks the host to reveal the program's source.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { Graph } from '../../../language-server/src/core/graph-schema';
import type { Trace } from '../../../simulator/src/trace';
import { clear, h, svg } from '../dom';
import { pathGraph, type PathNode } from '../graph-path';
import type { NoteTargetMessage, WebviewNote } from '../protocol';
import { edgeTarget, nodeTarget, notesOnEdge, notesOnNode } from './notes';

export interface GraphActions {
  revealProgram(node: PathNode): void;
  /** Shows the notes pane for a program or tail call (its 📝 badge, or N on a focused program). */
  selectNotes?(target: NoteTargetMessage): void;
}

const elk = new ELK();
const CHAR_WIDTH = 7.2;
const NODE_HEIGHT = 40;

function subtitle(n: PathNode): string {
  const p = n.program;
  if (!p) return n.onPath ? 'on path' : '';
  if (p.attach) return `${p.attach.device} · ${p.attach.hook}`;
  if (p.slot) return `slot ${p.slot}`;
  return `${p.kind} · ${p.object}`;
}

export class GraphView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLElement;
  private renderToken = 0;
  private nodeElements = new Map<string, SVGGElement>();

  constructor(private readonly actions: GraphActions) {
    this.canvas = h('div', { class: 'graph-canvas', attrs: { id: 'graph' } });
    const swatch = (kind: string, label: string) => h('span', {}, h('span', { class: `swatch ${kind}` }), label);
    this.element = h('div', { class: 'graph-view' },
      h('div', { class: 'graph-legend', attrs: { 'aria-hidden': 'true' } },
        swatch('', 'tail call taken'), swatch('hop', 'packet moves to the next device'), swatch('off', 'not taken'), swatch('current', 'current program')),
      this.canvas);
  }

  /** Lays out and draws; resolves once the SVG is in the page (tests and callers may await it). */
  async render(trace: Trace | undefined, graph: Graph | undefined, currentProgramId: string | undefined, notes: WebviewNote[] = []): Promise<void> {
    const token = ++this.renderToken;
    if (!trace) { clear(this.canvas); this.canvas.append(h('p', { class: 'empty' }, 'No trace yet.')); return; }
    const pg = pathGraph(trace, graph);
    if (!pg.nodes.length) { clear(this.canvas); this.canvas.append(h('p', { class: 'empty' }, 'No BPF programs on this path.')); return; }
    const layout: ElkNode = {
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered', 'elk.direction': 'DOWN', 'elk.spacing.nodeNode': '24',
        'elk.layered.spacing.nodeNodeBetweenLayers': '36', 'elk.edgeRouting': 'SPLINES', 'elk.padding': '[top=12,left=12,bottom=12,right=12]',
      },
      children: pg.nodes.map((n) => ({ id: n.id, width: Math.max(n.name.length, subtitle(n).length) * CHAR_WIDTH + 28, height: NODE_HEIGHT })),
      edges: pg.edges.map((e, i): ElkExtendedEdge => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
    };
    let result: ElkNode;
    try {
      result = await elk.layout(layout);
    } catch (err) {
      clear(this.canvas);
      this.canvas.append(h('p', { class: 'error' }, `Graph layout failed: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    if (token !== this.renderToken) return;
    clear(this.canvas);
    this.nodeElements.clear();
    const width = Math.ceil(result.width ?? 0), height = Math.ceil(result.height ?? 0);
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': 'Tail-call graph of the programs on the path' });
    root.append(svg('defs', {},
      svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' })),
      svg('marker', { id: 'arrow-path', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head path' }))));
    (result.edges ?? []).forEach((laid, i) => {
      const e = pg.edges[i];
      const sec = (laid as ElkExtendedEdge).sections?.[0];
      if (!sec) return;
      const pts = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint];
      const d = pts.map((p, j) => `${j ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      const title = e.edge ? `${e.kind}${e.edge.via ? ` via ${e.edge.via}` : ''}${e.edge.slot ? ` [${e.edge.slot}]` : ''} — ${e.edge.file}:${e.edge.line}` : e.kind === 'hop' ? 'packet moves on' : e.kind;
      root.append(svg('path', { d, class: `edge kind-${e.kind}${e.onPath ? ' on-path' : ''}`, 'marker-end': e.onPath ? 'url(#arrow-path)' : 'url(#arrow)', 'data-from': e.from, 'data-to': e.to },
        svg('title', {}, title)));
      const edgeNotes = notesOnEdge(notes, e);
      const target = edgeTarget(e);
      if (target) {
        // A click on a tail-call edge opens its notes (to add one); a noted edge also gets a badge.
        (root.lastChild as SVGPathElement).addEventListener('click', () => this.actions.selectNotes?.(target));
        const mid = pts[Math.floor(pts.length / 2)];
        if (edgeNotes.length) root.append(this.badge(mid.x, mid.y, edgeNotes, target, 'edge-badge noted', e.from, e.to));
      }
    });
    for (const laid of result.children ?? []) {
      const n = pg.nodes.find((x) => x.id === laid.id);
      if (!n) continue;
      const x = laid.x ?? 0, y = laid.y ?? 0, w = laid.width ?? 0;
      const label = `${n.name}${n.onPath ? ', on the path' : ''}${subtitle(n) ? `, ${subtitle(n)}` : ''}. Press Enter to open its source.`;
      const g = svg('g', {
        class: `gnode kind-${n.program?.kind ?? 'unknown'}${n.onPath ? ' on-path' : ''}`, transform: `translate(${x},${y})`,
        tabindex: 0, role: 'button', 'aria-label': label, 'data-program': n.name, 'data-id': n.id,
      },
        svg('rect', { width: w, height: NODE_HEIGHT, rx: 4 }),
        n.order !== undefined ? svg('text', { x: w - 8, y: 14, class: 'order', 'text-anchor': 'end' }, n.order + 1) : null,
        svg('text', { x: 10, y: 17, class: 'name' }, n.name),
        svg('text', { x: 10, y: 32, class: 'sub' }, subtitle(n)));
      g.addEventListener('click', () => this.actions.revealProgram(n));
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); this.actions.revealProgram(n); } });
      const target = nodeTarget(n);
      const nodeNotes = notesOnNode(notes, n);
      if (target && nodeNotes.length) g.append(this.badge(w - 8, 32, nodeNotes, target, 'node-badge noted'));
      if (target) g.addEventListener('keydown', (ev) => { if (ev.key === 'n' || ev.key === 'N') { ev.preventDefault(); this.actions.selectNotes?.(target); } });
      this.nodeElements.set(n.id, g);
      root.append(g);
    }
    this.canvas.append(root);
    this.markCurrent(currentProgramId);
  }

  /** A 📝 badge: its tooltip lists the notes (as text); a click opens them in the notes pane. */
  private badge(x: number, y: number, notes: WebviewNote[], target: NoteTargetMessage, cls: string, from?: string, to?: string): SVGTextElement {
    const tip = notes.length ? notes.map((n) => `${n.tag ? `[${n.tag}] ` : ''}${n.text}`).join('\n') : 'Add a note';
    const attrs: Record<string, string | number> = { x, y, class: `note-badge ${cls}`, 'text-anchor': 'end', 'data-notes': notes.length };
    if (from && to) { attrs['data-from'] = from; attrs['data-to'] = to; }
    const color = notes.find((n) => n.color)?.color;
    if (color) attrs.fill = color;
    const el = svg('text', attrs, notes.length ? `📝${notes.length > 1 ? notes.length : ''}` : '＋', svg('title', {}, tip));
    el.addEventListener('click', (ev) => { ev.stopPropagation(); this.actions.selectNotes?.(target); });
    return el;
  }

  /** Marks the node of the current step's program (by node id, see graph-path.ts). */
  markCurrent(programId: string | undefined): void {
    for (const [id, g] of this.nodeElements) g.classList.toggle('current', id === programId);
  }
}
