// The active datapath mode (tunnel or native routing), per workspace. The status bar, the panel and the
// Choose Datapath Mode command all read and change it here.
import * as vscode from 'vscode';
import type { ModeName } from '../../webview/src/protocol';
import { isModeName } from './simulation';

const STATE_KEY = 'dpnav.mode';

export class DatapathMode implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ModeName>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly memento: vscode.Memento) {}

  get current(): ModeName {
    const saved = this.memento.get<unknown>(STATE_KEY);
    if (isModeName(saved)) return saved;
    const configured = vscode.workspace.getConfiguration('dpnav').get<unknown>('defaultMode');
    return isModeName(configured) ? configured : 'vxlan';
  }

  async set(mode: ModeName): Promise<void> {
    if (mode === this.current) return;
    await this.memento.update(STATE_KEY, mode);
    this.emitter.fire(mode);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
