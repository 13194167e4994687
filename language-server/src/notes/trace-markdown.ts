// A Markdown walk-through of a simulated trace — the document people write by hand today: hops, steps,
// the C function of each step (a file:line link when a tree is given), map lookups, redirects, events,
// the outcome, and the notes on the functions and tail calls the packet went through.
// Note text is untrusted and goes through inertMarkdown; trace strings are the simulator's own.
import type { Hop, MapLookup, Step, Trace } from '../../../simulator/src/trace';
import { inertMarkdown } from './markdown';
import type { Note } from './schema';

export interface FoundFunction { file: string; line: number }
/** Where a C function is in the user's tree (bpf-relative file, 1-based line), trying aliases in order. */
export type FunctionLocator = (names: string[], fileHint?: string) => FoundFunction | undefined;

export interface TraceMarkdownOptions {
  locate?: FunctionLocator;
  /** Prefix of the links to source files (the bpf/ folder as the reader of the document reaches it). */
  linkBase?: string;
  notes?: Note[];
}

export function traceToMarkdown(trace: Trace, options: TraceMarkdownOptions = {}): string {
  const notes = options.notes ?? [];
  const used = new Set<string>();
  const out: string[] = [`# Packet walk-through: ${trace.scenario}`, '', `Datapath mode: \`${trace.mode}\`. Outcome: ${disposition(trace)}.`, ''];
  let hopNumber = 0;
  for (const hop of trace.hops) {
    hopNumber++;
    out.push(`## ${hopNumber}. ${hopTitle(hop)}`, '');
    if (hop.program) out.push(...notesBlock(nodeNotes(notes, hop.program), used, ''));
    for (const step of hop.steps) out.push(...stepLines(step, options, notes, used));
    out.push('');
  }
  if (trace.expectations?.length) {
    out.push('## Expectations', '');
    for (const e of trace.expectations) out.push(`- ${e.ok ? '✔' : '✘'} \`${e.field}\`: expected ${e.expected}, got ${e.actual}`);
    out.push('');
  }
  const unused = notes.filter((n) => !used.has(n.id));
  if (used.size) out.push(`_${used.size} note${used.size === 1 ? '' : 's'} from the notes file shown above${unused.length ? `; ${unused.length} more not on this path` : ''}._`, '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function hopTitle(hop: Hop): string {
  return `${hop.node} · \`${hop.device}\` (${hop.hook})${hop.program ? ` · program \`${hop.program}\`` : ''}`;
}

function stepLines(step: Step, options: TraceMarkdownOptions, notes: Note[], used: Set<string>): string[] {
  const fn = step.source.function;
  const where = step.kernel ? `kernel \`${fn}\`` : functionLink(fn, step.source.aliases, step.source.fileHint, options);
  const call = step.source.call ? ` → \`${step.source.call}\`` : '';
  const number = `${step.index + 1}. `;
  // Continuation lines line up with the item's text, or they would fall out of the list item (CommonMark).
  const pad = ' '.repeat(number.length);
  const lines = [`${number}**${step.kind}** — ${step.summary}  `, `${pad}${where}${call}`];
  for (const l of step.lookups ?? []) lines.push(`${pad}- ${lookupLine(l)}`);
  if (step.redirect) lines.push(`${pad}- redirect to \`${step.redirect.ifname}\` (ifindex ${step.redirect.ifindex}, ${step.redirect.direction}) via \`${step.redirect.helper}\``);
  if (step.notification) {
    const n = step.notification;
    const detail = n.dropReason ? `${n.dropReason.name} (${n.dropReason.code})` : n.observationPoint ?? n.message ?? '';
    lines.push(`${pad}- event: ${n.type}${detail ? ` — ${detail}` : ''}`);
  }
  if (step.returnCode) lines.push(`${pad}- returns \`${step.returnCode.name}\` (${step.returnCode.value})`);
  if (!step.kernel) {
    lines.push(...notesBlock(nodeNotes(notes, fn, step.source.aliases), used, pad));
    if (step.kind === 'tail-call') lines.push(...notesBlock(notes.filter((n) => n.target.kind === 'edge' && (n.target.caller === fn || n.target.callee === step.source.call)), used, pad));
  }
  return lines;
}

function functionLink(fn: string, aliases: string[] | undefined, fileHint: string | undefined, options: TraceMarkdownOptions): string {
  const found = options.locate?.([fn, ...(aliases ?? [])], fileHint);
  if (!found) return `\`${fn}\`${fileHint ? ` (${fileHint})` : ''}`;
  const base = options.linkBase ? `${options.linkBase.replace(/\/+$/, '')}/` : '';
  return `[\`${fn}\`](${encodeURI(`${base}${found.file}`)}#L${found.line}) (\`${found.file}:${found.line}\`)`;
}

function lookupLine(l: MapLookup): string {
  const key = Object.entries(l.key).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  const result = l.result === null ? 'miss' : Object.entries(l.result).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  return `${l.op ?? 'lookup'} \`${l.map}\` {${key}} → ${l.result === null ? '**miss**' : `{${result}}`}${l.note ? ` — ${l.note}` : ''}`;
}

function nodeNotes(notes: Note[], fn: string, aliases: string[] = []): Note[] {
  const names = new Set([fn, ...aliases]);
  return notes.filter((n) => n.target.kind === 'node' && names.has(n.target.function));
}

function notesBlock(notes: Note[], used: Set<string>, indent: string): string[] {
  const out: string[] = [];
  for (const n of notes) {
    used.add(n.id);
    const head = `${indent}> 📝 ${n.tag ? `**${inertMarkdown(n.tag)}** — ` : ''}`;
    const body = inertMarkdown(n.text).split(/\r?\n/);
    out.push(head + body[0], ...body.slice(1).map((l) => `${indent}> ${l}`));
  }
  return out.length ? ['', ...out, ''] : [];
}

function disposition(trace: Trace): string {
  const d = trace.disposition;
  switch (d.kind) {
    case 'delivered': return `delivered to ${d.to} \`${d.target}\` on ${d.node}`;
    case 'sent-to-world': return `sent to the world from ${d.node} via \`${d.device}\``;
    case 'dropped': return `**dropped** on ${d.node}: ${d.reason.name} (${d.reason.code}) in \`${d.at.function}\``;
    case 'replied': return `answered on ${d.node} by \`${d.target}\``;
    case 'returned': return `returned \`${d.returnCode.name}\` (${d.returnCode.value})`;
  }
}
