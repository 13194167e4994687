// The what-if editor: the scenario's JSON (map state, policies, packet) as text; Apply re-runs the trace
// through the host (runScenarioText). A traceError is shown with its position and the offending line.
import { clear, h, icon } from '../dom';

export interface WhatIfActions {
  apply(text: string): void;
  draftChanged(text: string): void;
}

export interface TraceErrorInfo { message: string; file?: string; line?: number; column?: number; fieldPath?: string }

type TextArea = HTMLElement & { value: string };

/** The message without a leading "file:line:column: " that repeats the position shown next to it. */
export function withoutPositionPrefix(err: TraceErrorInfo): string {
  if (err.line === undefined) return err.message;
  const prefix = `${err.file ?? ''}:${err.line}:`;
  if (!err.message.startsWith(prefix)) return err.message;
  return err.message.slice(prefix.length).replace(/^\d+:\s*/, '').replace(/^\s+/, '');
}

export class WhatIfView {
  readonly element: HTMLElement;
  private readonly editor: TextArea;
  private readonly errorBox: HTMLElement;
  private original = '';

  constructor(private readonly actions: WhatIfActions) {
    this.editor = h('vscode-textarea', {
      attrs: { id: 'whatif-text', monospace: true, rows: 18, resize: 'vertical', spellcheck: false, 'aria-label': 'Scenario JSON (what-if)' },
      on: {
        input: () => this.actions.draftChanged(this.editor.value),
        keydown: (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.apply(); } },
      },
    }) as TextArea;
    this.errorBox = h('div', { class: 'whatif-error', attrs: { id: 'whatif-error', role: 'alert' } });
    this.errorBox.hidden = true;
    this.element = h('div', { class: 'whatif' },
      h('p', { class: 'hint' }, 'Edit the scenario — map entries, policies, the packet — and apply to re-run the trace (Ctrl+Enter).'),
      this.editor, this.errorBox,
      h('div', { class: 'whatif-actions' },
        h('vscode-button', { attrs: { id: 'whatif-apply', icon: 'play' }, on: { click: () => this.apply() } }, 'Apply'),
        h('vscode-button', { attrs: { id: 'whatif-revert', icon: 'discard', secondary: true }, on: { click: () => this.revert() } }, 'Revert')));
  }

  /** Sets the scenario text from the host; a draft the user has not applied wins over it. */
  setText(original: string | undefined, draft: string | undefined): void {
    this.original = original ?? '';
    const text = draft ?? this.original;
    if (this.editor.value !== text) this.editor.value = text;
  }

  showError(err: TraceErrorInfo | undefined): void {
    clear(this.errorBox);
    this.errorBox.hidden = !err;
    if (!err) return;
    const where = [err.file, err.line !== undefined ? `line ${err.line}` : undefined, err.column !== undefined ? `column ${err.column}` : undefined]
      .filter(Boolean).join(', ');
    this.errorBox.append(h('div', { class: 'error-head' }, icon('error'), ' ', where ? `${where}: ` : '', withoutPositionPrefix(err)),
      err.fieldPath ? h('div', { class: 'error-field mono' }, err.fieldPath) : '');
    if (err.line !== undefined) {
      const lineText = this.editor.value.split('\n')[err.line - 1];
      if (lineText !== undefined) {
        const caret = err.column !== undefined ? `${' '.repeat(Math.max(0, err.column - 1))}^` : '';
        this.errorBox.append(h('pre', { class: 'error-excerpt' }, `${String(err.line).padStart(4)} | ${lineText}\n${caret ? `     | ${caret}` : ''}`));
      }
    }
  }

  private apply(): void {
    this.actions.apply(this.editor.value);
  }

  private revert(): void {
    this.editor.value = this.original;
    this.actions.draftChanged(this.original);
    this.showError(undefined);
  }
}
