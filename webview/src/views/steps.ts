// The steps list: hops as group headings, steps as options of one listbox. Arrow keys move the current
// step, Enter (or a click) asks the host to reveal the step's C source; the answer (stepLocation) is
// shown inside the step, including "not in this tree" when the user's Cilium has no such function.
import type { Step, StepKind } from '../../../simulator/src/trace';
import { clear, h, icon } from '../dom';
import { stepMatchesFunction, type FlatStep } from '../model';
import type { StepLocation } from '../protocol';

export interface StepsActions {
  select(index: number): void;
  reveal(index: number): void;
}

const KIND_ICONS: Record<StepKind, string> = {
  program: 'symbol-method',
  'tail-call': 'debug-step-into',
  map: 'database',
  kernel: 'server-process',
  route: 'milestone',
  encap: 'package',
  decap: 'unfold',
  link: 'plug',
  verdict: 'pass',
};

function stepIcon(step: Step): string {
  if (step.notification?.type === 'drop') return 'error';
  return KIND_ICONS[step.kind] ?? 'circle-small';
}

function anchorText(step: Step): string {
  const a = step.source;
  return a.call ? `${a.function} › ${a.call}` : a.function;
}

function locationLine(location: StepLocation | undefined): HTMLElement | null {
  if (!location) return null;
  if (location.found) {
    const where = `${location.file}:${location.callLine ?? location.line}`;
    const renamed = location.matchedName !== location.function ? ` (as ${location.matchedName})` : '';
    return h('div', { class: 'step-location found' }, icon('go-to-file'), ` ${where}${renamed}`);
  }
  return h('div', { class: 'step-location missing', attrs: { role: 'status' } }, icon('warning'), ` not in this tree: ${location.reason}`);
}

export class StepsView {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly footer: HTMLElement;
  private rows: HTMLElement[] = [];
  private steps: FlatStep[] = [];
  private current = 0;

  constructor(private readonly actions: StepsActions) {
    this.list = h('ol', {
      class: 'steps-list',
      attrs: { id: 'steps-list', role: 'listbox', 'aria-label': 'Steps of the trace', tabindex: 0 },
      on: { keydown: (e) => this.onKey(e) },
    });
    this.footer = h('div', { class: 'disposition', attrs: { id: 'disposition' } });
    this.element = h('section', { class: 'pane steps-pane', attrs: { 'aria-label': 'Steps' } },
      h('h2', { class: 'pane-title' }, 'Steps'), this.list, this.footer);
  }

  render(steps: FlatStep[], current: number, locations: Map<number, StepLocation>, breakpoint: string | undefined,
    disposition: string | undefined, dispositionKind?: string): void {
    this.steps = steps;
    clear(this.list);
    this.rows = [];
    let lastHop = -1;
    for (const [i, { step, hop, hopIndex }] of steps.entries()) {
      if (hopIndex !== lastHop) {
        lastHop = hopIndex;
        this.list.append(h('li', { class: 'hop-header', attrs: { role: 'presentation' } },
          icon(hop.hook === 'wire' ? 'plug' : hop.hook === 'pod' ? 'vm' : 'server'),
          h('span', { class: 'hop-node' }, hop.node),
          h('span', { class: 'hop-device' }, hop.device),
          h('span', { class: 'hop-hook' }, hop.hook),
          hop.program ? h('span', { class: 'hop-program' }, hop.program) : null));
      }
      const isBreak = breakpoint !== undefined && stepMatchesFunction(step, breakpoint);
      const row = h('li', {
        class: `step kind-${step.kind}${step.kernel ? ' kernel' : ''}${isBreak ? ' breakpoint' : ''}${step.notification?.type === 'drop' ? ' drop' : ''}`,
        attrs: { id: `step-${i}`, role: 'option', 'aria-selected': 'false', 'data-index': i },
        on: { click: () => { this.actions.select(i); this.actions.reveal(i); } },
      },
        h('span', { class: 'step-gutter' }, isBreak ? icon('debug-breakpoint', 'breakpoint-dot') : null, h('span', { class: 'step-number' }, i + 1)),
        icon(stepIcon(step), 'step-icon'),
        h('div', { class: 'step-body' },
          h('div', { class: 'step-summary' }, step.summary),
          h('div', { class: 'step-anchor' }, step.kernel ? 'kernel: ' : '', anchorText(step)),
          locationLine(locations.get(i))));
      this.rows.push(row);
      this.list.append(row);
    }
    this.footer.textContent = disposition ?? '';
    this.footer.className = `disposition ${dispositionKind ?? ''}`.trim();
    this.footer.hidden = !disposition;
    this.setCurrent(current, false);
  }

  /** Marks the current step; moves keyboard focus to it only when the list already has focus. */
  setCurrent(index: number, scroll = true): void {
    this.rows[this.current]?.setAttribute('aria-selected', 'false');
    this.rows[this.current]?.classList.remove('current');
    this.current = index;
    const row = this.rows[index];
    if (!row) { this.list.removeAttribute('aria-activedescendant'); return; }
    row.setAttribute('aria-selected', 'true');
    row.classList.add('current');
    this.list.setAttribute('aria-activedescendant', row.id);
    if (scroll) row.scrollIntoView({ block: 'nearest' });
  }

  focus(): void {
    this.list.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const last = this.steps.length - 1;
    if (last < 0) return;
    const page = 8;
    const target = ({
      ArrowDown: this.current + 1, ArrowUp: this.current - 1, Home: 0, End: last,
      PageDown: this.current + page, PageUp: this.current - page,
    } as Record<string, number>)[e.key];
    if (target !== undefined) {
      e.preventDefault();
      this.actions.select(Math.max(0, Math.min(last, target)));
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.actions.reveal(this.current);
    }
  }
}
