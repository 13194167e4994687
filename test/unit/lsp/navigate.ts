// Helpers shared by the feature tests: positions in fixture files and call-hierarchy hops.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { CallHierarchyIncomingCall, CallHierarchyItem, CallHierarchyOutgoingCall, Location, LocationLink, Position } from 'vscode-languageserver-protocol';
import { after, before } from 'node:test';
import { startSession, type LspSession } from './harness';

/** One server session on `workspace` for a whole test file: started before its tests (handed over by `ready`), closed after. */
export function useFixtureSession(workspace: string, ready: (session: LspSession, tree: FixtureTree) => void): void {
  let session: LspSession | undefined;
  before(async () => {
    session = await startSession({ workspace });
    ready(session, new FixtureTree(session));
  });
  after(async () => { await session?.close(); });
}

export class FixtureTree {
  private texts = new Map<string, string>();
  constructor(readonly session: LspSession) {}

  text(rel: string): string {
    let t = this.texts.get(rel);
    if (t === undefined) { t = fs.readFileSync(path.join(this.session.workspace, rel), 'utf8'); this.texts.set(rel, t); }
    return t;
  }

  /** Position inside `word` at its n-th whole occurrence after `after` (a unique anchor text) in file. */
  at(rel: string, word: string, after = '', occurrence = 1): { textDocument: { uri: string }; position: Position } {
    const text = this.text(rel);
    const anchor = after ? text.indexOf(after) : 0;
    assert.ok(anchor >= 0, `anchor '${after}' not in ${rel}`);
    const rest = text.slice(anchor);
    const re = new RegExp(`\\b${word}\\b`, 'g');
    let m: RegExpExecArray | null = null;
    for (let i = 0; i < occurrence; i++) { m = re.exec(rest); assert.ok(m, `'${word}' #${occurrence} not after '${after}' in ${rel}`); }
    const offset = anchor + m!.index + 1;
    const before = text.slice(0, offset);
    const line = before.split('\n').length - 1;
    return { textDocument: { uri: this.session.uri(rel) }, position: { line, character: offset - (before.lastIndexOf('\n') + 1) } };
  }

  /** 0-based line of the first line containing `needle`. */
  line(rel: string, needle: string): number {
    const i = this.text(rel).split('\n').findIndex((l) => l.includes(needle));
    assert.ok(i >= 0, `'${needle}' not in ${rel}`);
    return i;
  }

  async prepare(rel: string, word: string, after = ''): Promise<CallHierarchyItem[]> {
    const items = await this.session.request<CallHierarchyItem[] | null>('textDocument/prepareCallHierarchy', this.at(rel, word, after));
    assert.ok(items?.length, `no call hierarchy item for ${word} in ${rel}`);
    return items;
  }

  async outgoing(item: CallHierarchyItem): Promise<CallHierarchyOutgoingCall[]> {
    return (await this.session.request<CallHierarchyOutgoingCall[] | null>('callHierarchy/outgoingCalls', { item })) ?? [];
  }

  async incoming(item: CallHierarchyItem): Promise<CallHierarchyIncomingCall[]> {
    return (await this.session.request<CallHierarchyIncomingCall[] | null>('callHierarchy/incomingCalls', { item })) ?? [];
  }

  /** Follows one outgoing edge to `callee` whose label matches; asserts it exists and returns the target item. */
  async hop(item: CallHierarchyItem, callee: string, label: RegExp | string, file?: string): Promise<CallHierarchyItem> {
    const calls = await this.outgoing(item);
    const match = calls.find((c) => c.to.name === callee && (typeof label === 'string' ? c.to.detail === label : label.test(c.to.detail ?? ''))
      && (!file || c.to.uri === this.session.uri(file)));
    assert.ok(match, `${item.name} → ${callee} (${label}${file ? ` in ${file}` : ''}) missing; outgoing: ${calls.map((c) => `${c.to.name} [${c.to.detail}] ${c.to.uri}`).join('; ')}`);
    return match.to;
  }

  async definition(rel: string, word: string, after = ''): Promise<Location[]> {
    return this.definitionAt(this.at(rel, word, after));
  }

  /** Definition targets as plain locations (the name of each target), whether the server sent links or not. */
  async definitionAt(params: { textDocument: { uri: string }; position: Position }): Promise<Location[]> {
    const r = await this.session.request<Location[] | LocationLink[] | null>('textDocument/definition', params);
    return (r ?? []).map((x) => ('targetUri' in x ? { uri: x.targetUri, range: x.targetSelectionRange } : x));
  }

  /** Asserts a location is the given file at the 0-based line of `lineNeedle`. */
  isAt(loc: Location | undefined, rel: string, lineNeedle: string): void {
    assert.ok(loc, `expected a location in ${rel} at '${lineNeedle}'`);
    assert.equal(loc.uri, this.session.uri(rel), `uri of ${JSON.stringify(loc)}`);
    assert.equal(loc.range.start.line, this.line(rel, lineNeedle), `line of ${JSON.stringify(loc)} (expected '${lineNeedle}')`);
  }
}
