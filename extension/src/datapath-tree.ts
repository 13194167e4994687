// The "Datapath" view in the activity bar: entry programs grouped by attach point (device · hook), the
// programs they tail-call beneath them; a click opens the program's source. Filled from the server's graph
// once the first index is done, refreshed when the server re-indexes.
import * as vscode from 'vscode';
import { codeSpan, plainText } from './markdown';
import type { GraphProgram } from '../../language-server/src/core/graph-schema';
import { GraphOutline, programKey, type OutlineGroup } from './graph-outline';
import type { ServerConnection } from './server-connection';

export const DATAPATH_VIEW_ID = 'dpnav.datapath';
export const REVEAL_PROGRAM_COMMAND = 'dpnav.revealGraphProgram';

type Node =
  | { kind: 'group'; group: OutlineGroup }
  | { kind: 'program'; program: GraphProgram; via?: string; ancestors: string[] };

export class DatapathTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private outline: GraphOutline | undefined;
  private loading: Promise<void> | undefined;
  private view: vscode.TreeView<Node> | undefined;
  private lastPrograms = -1;

  /** Notes on a program (set by the notes client, extension/src/notes.ts): shown as a 📝 count and in the tooltip. */
  notesFor: ((program: GraphProgram) => string[]) | undefined;

  constructor(private readonly server: ServerConnection) {}

  /** Redraws the items (the notes changed). */
  refresh(): void { this.changed.fire(undefined); }

  attach(view: vscode.TreeView<Node>): void {
    this.view = view;
  }

  /** Reloads the graph when the server finished (re-)indexing with a different program count. */
  onServerState(): void {
    const state = this.server.state;
    if (state.state === 'ready' && state.programs !== this.lastPrograms) {
      this.lastPrograms = state.programs;
      this.outline = undefined;
      this.loading = undefined;
      this.changed.fire(undefined);
    } else if (state.state === 'no-root' || state.state === 'error') {
      this.setMessage(state.message ?? 'no Cilium bpf/ tree');
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.group.label, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon('plug');
      item.description = `${node.group.programs.length}`;
      item.contextValue = 'dpnavGroup';
      return item;
    }
    const p = node.program;
    const hasChildren = (this.outline?.tailChildren(p).length ?? 0) > 0 && !node.ancestors.includes(programKey(p));
    const item = new vscode.TreeItem(p.name, hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = [...node.ancestors, programKey(p)].join('/');
    item.iconPath = new vscode.ThemeIcon(p.kind === 'entry' ? 'symbol-event' : p.kind === 'tail' ? 'debug-step-into' : 'shield');
    item.description = [node.via, `${p.file}:${p.line}`].filter(Boolean).join('  ');
    const tooltip = new vscode.MarkdownString();
    // Names, objects, devices and conditions come from the workspace's C tree: literal text only (markdown.ts).
    tooltip.appendMarkdown(`**${plainText(p.name)}** (${plainText(p.kind)} program of ${codeSpan(p.object)})\n\n`);
    if (p.attach) tooltip.appendMarkdown(`attached at ${plainText(p.attach.device)} · ${plainText(p.attach.hook)}\n\n`);
    if (p.slot) tooltip.appendMarkdown(`tail-call slot ${codeSpan(p.slot)}${p.slotValue !== undefined ? ` = ${plainText(String(p.slotValue))}` : ''}\n\n`);
    if (p.condition) tooltip.appendMarkdown(`only when ${codeSpan(p.condition)}\n\n`);
    const notes = this.notesFor?.(p) ?? [];
    if (notes.length) {
      item.description = `📝${notes.length > 1 ? notes.length : ''} ${item.description}`;
      // Note text is untrusted: appendText escapes it (no links, no HTML).
      for (const text of notes) { tooltip.appendMarkdown('📝 '); tooltip.appendText(text); tooltip.appendMarkdown('\n\n'); }
    }
    item.tooltip = tooltip;
    item.contextValue = 'dpnavProgram';
    item.command = { command: REVEAL_PROGRAM_COMMAND, title: 'Open Source', arguments: [{ name: p.name, file: p.file, line: p.line }] };
    return item;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      await this.load();
      return this.outline?.groups().map((group) => ({ kind: 'group', group })) ?? [];
    }
    if (node.kind === 'group') return node.group.programs.map((program) => ({ kind: 'program', program, ancestors: [node.group.label] }));
    if (!this.outline || node.ancestors.includes(programKey(node.program))) return [];
    const ancestors = [...node.ancestors, programKey(node.program)];
    return this.outline.tailChildren(node.program).map((c) => ({
      kind: 'program', program: c.program, ancestors, via: c.edge.slot ? `via ${c.edge.slot}` : undefined,
    }));
  }

  /** The root of the graph the view shows (for opening programs by relative path). */
  get graphRoot(): string | undefined {
    return this.outline?.graph.root;
  }

  private load(): Promise<void> {
    this.loading ??= (async () => {
      this.setMessage('indexing the bpf/ tree…');
      const graph = await this.server.graph();
      const state = this.server.state;
      if (!graph || state.state === 'error' || state.state === 'no-root') {
        this.setMessage(state.message ?? 'the language server is not available');
        return;
      }
      this.outline = new GraphOutline(graph);
      this.setMessage(graph.programs.length ? undefined : 'no BPF programs found in the tree');
    })();
    return this.loading;
  }

  private setMessage(message: string | undefined): void {
    if (this.view) this.view.message = message;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
