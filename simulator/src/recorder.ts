// Builds a Trace while the model runs. With snapshots on, every step carries the packet before and
// after it as immutable copies, so a viewer steps back as cheaply as forward (index into an array).
// A copy is made only when the packet changed since the last step; unchanged steps share one object.
import type { Hook, Hop, MapLookup, Notification, Packet, ReturnCode, SourceAnchor, Step, StepKind } from './trace';
import { clonePacket } from './model';

export interface StepExtra {
  lookups?: MapLookup[];
  returnCode?: ReturnCode;
  notification?: Notification;
  redirect?: Step['redirect'];
}

/** The hops of every verdict-only run: one shared, frozen empty list. */
const NO_HOPS = Object.freeze([]) as unknown as Hop[];

export class Recorder {
  /** Shared by verdict-only walks: records nothing, so one instance serves every packet. */
  static readonly OFF = new Recorder(false, false);

  readonly hops: Hop[];
  private current: Hop | undefined;
  private nextIndex = 0;
  private lastSnapshot: Packet | undefined;
  private changed = true;

  /** False for verdict-only runs: no hops or steps are built (callers guard with `if (rec.on)`). */
  readonly on: boolean;

  constructor(readonly snapshots: boolean, record = true) {
    this.on = record;
    this.hops = record ? [] : NO_HOPS;
    if (!record) this.snapshots = false;
  }

  hop(node: string, device: string, hook: Hook, program?: string): void {
    if (!this.on) return;
    const hop: Hop = { node, device, hook, steps: [] };
    if (program) hop.program = program;
    this.hops.push(hop);
    this.current = hop;
  }

  /** Marks the live packet as modified: the next step snapshots it again. */
  touch(): void { this.changed = true; }

  step(kind: StepKind, source: SourceAnchor, summary: string, pkt: Packet, extra?: StepExtra): Step {
    const step: Step = { index: this.nextIndex++, kind, summary, source };
    if (source.fileHint === undefined) step.kernel = true;
    if (extra) {
      if (extra.lookups) step.lookups = extra.lookups;
      if (extra.returnCode) step.returnCode = extra.returnCode;
      if (extra.notification) step.notification = extra.notification;
      if (extra.redirect) step.redirect = extra.redirect;
    }
    if (this.snapshots) {
      step.packetBefore = this.lastSnapshot ?? clonePacket(pkt);
      if (this.changed || !this.lastSnapshot) {
        this.lastSnapshot = clonePacket(pkt);
        this.changed = false;
      }
      step.packetAfter = this.lastSnapshot;
    }
    if (!this.current) throw new Error('internal: step recorded before any hop');
    this.current.steps.push(step);
    return step;
  }

  /** Snapshot the packet before the step that is about to change it. */
  before(pkt: Packet): void {
    if (this.snapshots && (this.changed || !this.lastSnapshot)) {
      this.lastSnapshot = clonePacket(pkt);
      this.changed = false;
    }
  }

  lastStep(): Step | undefined {
    const steps = this.current?.steps;
    return steps && steps.length ? steps[steps.length - 1] : undefined;
  }
}
