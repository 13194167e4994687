// The status bar item: index progress, number of programs, the active datapath mode. A click chooses the
// mode. The first index also shows a progress notification, closed when the server is done.
import * as vscode from 'vscode';
import { codeSpan, plainText } from './markdown';
import type { IndexState } from '../../language-server/src/server/protocol';
import type { ModeName } from '../../webview/src/protocol';

export class DatapathStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('dpnav.status', vscode.StatusBarAlignment.Left, 10);
  private firstIndex: { report(message: string): void; done(): void } | undefined;
  private firstIndexShown = false;

  constructor(private state: IndexState, private mode: string, private readonly activationMs: () => number | undefined) {
    this.item.name = 'Datapath Navigator';
    this.item.command = 'dpnav.chooseMode';
    this.render();
    this.item.show();
  }

  update(state: IndexState): void {
    this.state = state;
    this.render();
    if (state.state === 'indexing' && !this.firstIndexShown) this.showFirstIndexProgress();
    if (this.firstIndex) {
      if (state.state === 'indexing' || state.state === 'searching') this.firstIndex.report(`${state.files}${state.filesTotal ? ` of ${state.filesTotal}` : ''} files, ${state.programs} programs so far`);
      else this.firstIndex.done();
    }
  }

  setMode(mode: string): void {
    this.mode = mode;
    this.render();
  }

  private showFirstIndexProgress(): void {
    this.firstIndexShown = true;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Datapath: indexing the bpf/ tree', cancellable: false },
      (progress) => new Promise<void>((resolve) => {
        this.firstIndex = {
          report: (message) => progress.report({ message }),
          done: () => { this.firstIndex = undefined; resolve(); },
        };
      }));
  }

  private render(): void {
    const s = this.state;
    const mode = this.mode;
    switch (s.state) {
      case 'searching':
        this.item.text = `$(search) Datapath: looking for bpf/ · ${mode}`;
        break;
      case 'indexing':
        this.item.text = `$(sync~spin) Datapath: indexing ${s.files}${s.filesTotal ? `/${s.filesTotal}` : ''} files · ${mode}`;
        break;
      case 'ready':
        this.item.text = `$(circuit-board) ${s.programs} programs · ${mode}`;
        break;
      case 'no-root':
        this.item.text = `$(circle-slash) Datapath: no bpf/ tree · ${mode}`;
        break;
      case 'error':
        this.item.text = `$(warning) Datapath · ${mode}`;
        break;
    }
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(`**Datapath Navigator**\n\n`);
    if (s.root) tooltip.appendMarkdown(`tree: ${codeSpan(s.root)}\n\n`);
    tooltip.appendMarkdown(`index: ${s.state}, ${s.files} files, ${s.programs} programs${s.tailEdges !== undefined ? `, ${s.tailEdges} tail calls` : ''}`);
    if (s.elapsedMs !== undefined) tooltip.appendMarkdown(` (first index ${Math.round(s.elapsedMs)} ms)`);
    tooltip.appendMarkdown('\n\n');
    if (s.message) tooltip.appendText(`${s.message}\n\n`);
    tooltip.appendMarkdown(`datapath mode: **${plainText(mode)}**; click to change\n\n`);
    const activation = this.activationMs();
    if (activation !== undefined) tooltip.appendMarkdown(`activated in ${activation.toFixed(1)} ms`);
    this.item.tooltip = tooltip;
    this.item.backgroundColor = s.state === 'error' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.firstIndex?.done();
    this.item.dispose();
  }
}
