// The packet inspector for the current step: headers with what this step changed highlighted (a MAC
// rewrite, the TTL, encapsulation added or removed), the map lookups with key and result, the return
// code, the redirect and the trace/drop event a real node would emit.
import type { MapLookup, Notification, Packet, Step } from '../../../simulator/src/trace';
import { clear, h, icon } from '../dom';
import type { FlatStep } from '../model';
import { diffPackets, packetSections, removedSections } from '../packet-diff';
import type { StepLocation } from '../protocol';

function packetBeforeStep(steps: FlatStep[], index: number): Packet | undefined {
  const step = steps[index].step;
  if (step.packetBefore) return step.packetBefore;
  for (let i = index - 1; i >= 0; i--) {
    const s = steps[i].step;
    if (s.packetAfter ?? s.packetBefore) return s.packetAfter ?? s.packetBefore;
  }
  return undefined;
}

/** The packet as this step leaves it; steps that do not touch it show the packet as it stands. */
function packetAtStep(steps: FlatStep[], index: number): Packet | undefined {
  for (let i = index; i >= 0; i--) {
    const s = steps[i].step;
    if (s.packetAfter ?? s.packetBefore) return s.packetAfter ?? s.packetBefore;
  }
  return undefined;
}

function fieldsTable(fields: Record<string, unknown>): HTMLElement {
  const entries = Object.entries(fields);
  if (!entries.length) return h('span', { class: 'muted' }, '(empty)');
  return h('dl', { class: 'kv' }, ...entries.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null ? 'null' : String(v))]));
}

function lookupView(l: MapLookup): HTMLElement {
  const hit = l.result !== null;
  return h('div', { class: `lookup ${hit ? 'hit' : 'miss'}` },
    h('div', { class: 'lookup-head' }, icon('database'), h('span', { class: 'lookup-map' }, l.map),
      h('span', { class: 'badge' }, l.op ?? 'lookup'), h('span', { class: `badge ${hit ? 'ok' : 'warn'}` }, hit ? 'hit' : 'miss')),
    h('div', { class: 'lookup-grid' },
      h('div', { class: 'lookup-col' }, h('div', { class: 'col-title' }, 'key'), fieldsTable(l.key)),
      h('div', { class: 'lookup-col' }, h('div', { class: 'col-title' }, 'result'), l.result ? fieldsTable(l.result) : h('span', { class: 'muted' }, 'no entry'))),
    l.note ? h('div', { class: 'lookup-note' }, l.note) : null);
}

function notificationView(n: Notification): HTMLElement {
  const drop = n.type === 'drop';
  const parts: string[] = [];
  if (n.observationPoint) parts.push(n.observationPoint);
  if (n.dropReason) parts.push(`${n.dropReason.name} (${n.dropReason.code})`);
  if (n.srcIdentity !== undefined || n.dstIdentity !== undefined) parts.push(`identity ${n.srcIdentity ?? '?'} → ${n.dstIdentity ?? '?'}`);
  if (n.ifindex !== undefined) parts.push(`ifindex ${n.ifindex}`);
  if (n.endpointId !== undefined) parts.push(`endpoint ${n.endpointId}`);
  return h('div', { class: `event ${drop ? 'drop' : 'trace'}`, attrs: { id: 'inspector-event' } },
    icon(drop ? 'error' : 'pulse'), h('span', { class: 'event-type' }, n.type.toUpperCase()), ' ', parts.join(' · '),
    n.message ? h('div', { class: 'event-message' }, n.message) : null);
}

function packetView(before: Packet | undefined, after: Packet): HTMLElement {
  const changes = diffPackets(before, after);
  const removed = removedSections(before, after);
  const sections = packetSections(after);
  const wrap = h('div', { class: 'packet', attrs: { id: 'inspector-packet' } });
  for (const name of removed) wrap.append(h('div', { class: 'section-removed' }, icon('unfold'), ` ${name} removed at this step`));
  for (const s of sections) {
    const added = before !== undefined && s.rows.every((r) => changes.get(r.key)?.kind === 'added');
    const table = h('table', { class: `headers${added ? ' section-added' : ''}`, attrs: { 'data-section': s.name } },
      h('caption', {}, s.title, added ? h('span', { class: 'badge changed' }, 'added') : null));
    for (const row of s.rows) {
      const change = changes.get(row.key);
      table.append(h('tr', { class: change ? 'changed' : '', attrs: { 'data-field': row.key } },
        h('th', { attrs: { scope: 'row' } }, row.field),
        h('td', {}, h('span', { class: 'value' }, row.value),
          change?.kind === 'changed' ? h('span', { class: 'was' }, `was ${change.before}`) : null)));
    }
    wrap.append(table);
  }
  return wrap;
}

export class InspectorView {
  readonly element: HTMLElement;

  constructor() {
    this.element = h('div', { class: 'inspector', attrs: { id: 'inspector' } });
  }

  render(steps: FlatStep[], index: number, location: StepLocation | undefined): void {
    clear(this.element);
    const flat = steps[index];
    if (!flat) {
      this.element.append(h('p', { class: 'empty' }, 'Run a scenario to inspect the packet at each step.'));
      return;
    }
    const step: Step = flat.step;
    const head = h('div', { class: 'inspector-head' },
      h('div', { class: 'inspector-summary', attrs: { id: 'inspector-summary' } }, step.summary),
      h('div', { class: 'inspector-meta' },
        h('span', { class: 'badge' }, step.kind),
        h('span', { class: 'mono' }, step.source.call ? `${step.source.function} › ${step.source.call}` : step.source.function),
        step.source.fileHint ? h('span', { class: 'muted mono' }, step.source.fileHint) : null,
        step.returnCode ? h('span', { class: `badge rc ${/DROP/.test(step.returnCode.name) ? 'err' : 'ok'}`, attrs: { id: 'inspector-rc' } },
          `${step.returnCode.name} (${step.returnCode.value})`) : null));
    this.element.append(head);
    if (location && !location.found) {
      this.element.append(h('div', { class: 'callout warn' }, icon('warning'), ` not in this tree: ${location.reason}`));
    }
    if (step.notification) this.element.append(notificationView(step.notification));
    if (step.redirect) {
      const r = step.redirect;
      this.element.append(h('div', { class: 'callout info' }, icon('arrow-right'),
        ` ${r.helper} → ${r.ifname} (ifindex ${r.ifindex}, ${r.direction})`));
    }
    if (step.lookups?.length) {
      this.element.append(h('h3', {}, 'Map lookups'), ...step.lookups.map(lookupView));
    }
    const after = packetAtStep(steps, index);
    if (after) {
      const before = step.packetAfter ? packetBeforeStep(steps, index) : undefined;
      this.element.append(h('h3', {}, 'Packet'), packetView(before, after));
    }
  }
}
