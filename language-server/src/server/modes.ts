// Datapath modes in the server. The active mode lives next to the analysis (in the analysis worker, or in
// the server's thread when it runs there): `setMode` evaluates every #if of the tree for it, and every
// feature then sees the analysis through `modeView`, whose graph, outgoing/incoming sites and code lenses
// leave out what the mode compiles out. `inactiveRegions` lists a file's compiled-out lines (the
// extension greys them); hover on such a line says which condition removes it.
// Mode names are resolved in the server's thread (resolveMode), where the settings are.
import fs from 'node:fs';
import path from 'node:path';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import type { FileFacts } from '../core/facts';
import type { Graph } from '../core/graph-schema';
import type { Analysis, CallSite } from './analysis';
import { ModeEvaluation, type FactsSource } from '../modes/evaluate';
import { BUILTIN_MODES, builtinMode, modeFromHeaders, modeFromSettings, ModeError, type DatapathMode } from '../modes/modes';
import type { InactiveRegionsResult, ModeStatus } from './protocol';

interface WithFacts { facts(file: string): FileFacts | undefined }
const hasFacts = (a: Analysis): a is Analysis & WithFacts => typeof (a as Partial<WithFacts>).facts === 'function';

interface ActiveMode {
  mode: DatapathMode;
  evaluation?: ModeEvaluation;
  /** The analysis graph the evaluation was made for: an edit rebuilds the graph, and the evaluation with it. */
  graph?: Graph;
  filteredGraph?: Graph;
  /** Each file's facts when the evaluation was made: an edit replaces the edited file's facts object. */
  facts?: Map<string, FileFacts | undefined>;
}

const active = new WeakMap<Analysis, ActiveMode>();
/** End column of a whole-line range (clients clamp it to the line's length). */
const LINE_END = 10_000;

/** Mode views → the analysis they show, so a feature handed a view finds the mode state. */
const viewed = new WeakMap<Analysis, Analysis>();
const views = new WeakMap<Analysis, Analysis>();
const unwrap = (a: Analysis): Analysis => viewed.get(a) ?? a;

function evaluationFor(view: Analysis): ActiveMode | undefined {
  const a = unwrap(view);
  const state = active.get(a);
  if (!state || !hasFacts(a)) return undefined;
  const graph = a.graph();
  if (!state.evaluation || state.graph !== graph) {
    const files = a.files();
    const changed = state.evaluation && state.facts ? changedFiles(a, files, state.facts) : undefined;
    if (changed && changed.every((f) => sameMacroEnvironment(state.facts!.get(f), a.facts(f)))) {
      // A one-file edit that touched no #define or #include: the other files' regions still hold.
      state.evaluation!.reevaluateFiles(changed);
    } else {
      const source: FactsSource = { files: () => a.files(), facts: (f) => a.facts(f) };
      state.evaluation = new ModeEvaluation(source, state.mode);
    }
    state.facts = new Map(files.map((f) => [f, a.facts(f)]));
    state.graph = graph;
    state.filteredGraph = undefined;
  }
  return state;
}

/** Files whose facts object changed since the snapshot; undefined when files came or went. */
function changedFiles(a: Analysis & WithFacts, files: string[], before: Map<string, FileFacts | undefined>): string[] | undefined {
  if (files.length !== before.size) return undefined;
  const out: string[] = [];
  for (const f of files) {
    if (!before.has(f)) return undefined;
    if (before.get(f) !== a.facts(f)) out.push(f);
  }
  return out;
}

/** What the mode's macro tables read of a file: its #defines with their #if frames, and its #includes. */
function macroEnvironment(facts: FileFacts | undefined): string {
  if (!facts) return '';
  return JSON.stringify([
    facts.defines.map((d) => [d.name, d.params, d.variadic, d.bodyText, d.conditions.map((c) => [c.directive, c.expr, c.previous])]),
    facts.includes.map((i) => [i.path, i.system]),
  ]);
}
const environments = new WeakMap<FileFacts, string>();
function sameMacroEnvironment(x: FileFacts | undefined, y: FileFacts | undefined): boolean {
  if (!x || !y) return x === y;
  const env = (f: FileFacts) => environments.get(f) ?? (environments.set(f, macroEnvironment(f)), environments.get(f)!);
  return env(x) === env(y);
}

/** Sets (or clears, with null) the mode of an analysis and evaluates the tree for it. */
export function setMode(view: Analysis, mode: DatapathMode | null): ModeStatus {
  const a = unwrap(view);
  if (!mode) {
    active.delete(a);
    return { mode: null };
  }
  if (!hasFacts(a)) return { mode: null, error: 'this analysis exposes no #if facts; modes are unavailable' };
  active.set(a, { mode });
  const state = evaluationFor(a)!;
  const ev = state.evaluation!;
  const conditionErrors = ev.conditionErrors();
  return {
    mode: mode.name, title: mode.title, ms: Math.round(ev.ms * 10) / 10, unknownSymbols: ev.unknownSymbols().map((u) => u.name),
    ...(conditionErrors.length ? { conditionErrors: conditionErrors.slice(0, 50) } : {}),
  };
}

const toLspSite = (s: CallSite) => ({ ...s, line: s.range.start.line + 1 });

/**
 * The analysis as the active mode compiles it: graph, callsFrom and callersOf drop what is compiled out
 * (call hierarchy, code lenses, hover and dpnav/graph all read those). Everything else (definitions,
 * references, symbols) stays whole: navigation into an inactive region still works.
 */
export function modeView(a: Analysis): Analysis {
  if (!active.has(a)) return a;
  const existing = views.get(a);
  if (existing) return existing;
  const filterSites = (sites: CallSite[]) => {
    const state = evaluationFor(a);
    if (!state?.evaluation) return sites;
    const withLines = sites.map(toLspSite);
    const kept = new Set(state.evaluation.filterSites(withLines));
    return sites.filter((_, i) => kept.has(withLines[i]));
  };
  const overrides: Partial<Analysis> = {
    graph: () => {
      const state = evaluationFor(a);
      if (!state?.evaluation) return a.graph();
      return (state.filteredGraph ??= state.evaluation.filterGraph(a.graph()));
    },
    callsFrom: (fn) => filterSites(a.callsFrom(fn)),
    callersOf: (fn) => filterSites(a.callersOf(fn)),
  };
  const view = new Proxy(a, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Analysis];
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
    },
  });
  viewed.set(view, a);
  views.set(a, view);
  return view;
}

/** The compiled-out line ranges of a file in the active mode (empty without a mode). */
export function inactiveRegions(a: Analysis, file: string): InactiveRegionsResult {
  const state = evaluationFor(a);
  if (!state?.evaluation) return { mode: null, regions: [] };
  return {
    mode: state.mode.name,
    regions: state.evaluation.inactiveRegions(file).map((r) => ({
      range: { start: { line: r.startLine, character: 0 }, end: { line: r.endLine, character: LINE_END } },
      directive: r.directive,
      directiveLine: r.directiveLine,
      reason: r.reason,
    })),
  };
}

/** Hover on a compiled-out line: which directive removes it, in front of what the hover says anyway. */
export function withInactiveNote(a: Analysis, file: string, pos: Position, base: Hover | null): Hover | null {
  const state = evaluationFor(a);
  const region = state?.evaluation?.inactiveAt(file, pos.line);
  if (!state || !region) return base;
  const note = `**Compiled out in mode ${state.mode.name}** by \`${region.directive}\` (line ${region.directiveLine + 1}): ${region.reason}.`;
  const rest = base && typeof base.contents === 'object' && 'value' in base.contents ? `\n\n---\n\n${base.contents.value}` : '';
  return { contents: { kind: MarkupKind.Markdown, value: note + rest }, ...(base?.range ? { range: base.range } : {}) };
}

// ------------------------------------------------------------------------------------ server thread

/** User modes from the `dpnav.modes` and `dpnav.modeHeaders` settings. */
export interface ModeSettings {
  modes?: unknown;
  modeHeaders?: unknown;
}

/**
 * Resolves a mode name to its defines: a built-in mode, a `dpnav.modes` entry, or a `dpnav.modeHeaders`
 * entry (name → header path(s), relative paths against the first workspace folder). Bad settings give
 * an error naming the setting and entry.
 */
export function resolveMode(name: string, settings: ModeSettings, baseDir: string | undefined): DatapathMode | { error: string } {
  try {
    if (Array.isArray(settings.modes)) {
      for (let i = 0; i < settings.modes.length; i++) {
        const m = modeFromSettings(settings.modes[i], `settings: dpnav.modes[${i}]`);
        if (m.name === name) return m;
      }
    } else if (settings.modes !== undefined && settings.modes !== null) {
      return { error: 'settings: dpnav.modes: expected an array of { name, defines }' };
    }
    const headers = settings.modeHeaders;
    if (headers !== undefined && headers !== null) {
      if (typeof headers !== 'object' || Array.isArray(headers)) return { error: 'settings: dpnav.modeHeaders: expected an object { "mode name": ["path/to/node_config.h", …] }' };
      const entry = (headers as Record<string, unknown>)[name];
      if (entry !== undefined) {
        const list = typeof entry === 'string' ? [entry] : entry;
        if (!Array.isArray(list) || !list.every((p) => typeof p === 'string' && p.trim())) {
          return { error: `settings: dpnav.modeHeaders.${name}: expected a header path or a list of paths` };
        }
        const paths = (list as string[]).map((p) => (path.isAbsolute(p) || !baseDir ? p : path.join(baseDir, p)));
        const missing = paths.find((p) => !fs.existsSync(p));
        if (missing) return { error: `settings: dpnav.modeHeaders.${name}: ${missing}: no such file` };
        return modeFromHeaders(name, paths);
      }
    }
  } catch (e) {
    return { error: e instanceof ModeError || e instanceof Error ? e.message : String(e) };
  }
  const builtin = builtinMode(name);
  if (builtin) return builtin;
  return { error: `unknown datapath mode '${name}' (built-in: ${BUILTIN_MODES.map((m) => m.name).join(', ')}; others come from dpnav.modes / dpnav.modeHeaders)` };
}

interface ModeHost {
  readonly isSettled: boolean;
  query(name: 'setMode', args: { mode: DatapathMode | null }, fallback: ModeStatus): Promise<ModeStatus>;
}

/**
 * The server thread's side: remembers the requested mode, resolves it against the settings, hands it to
 * the analysis, and tells the client (dpnav/modeChanged) so it re-asks for regions, graph and lenses.
 * `apply()` runs again after every (re-)index, since a new analysis starts without a mode.
 */
export class ModeController {
  private requested: string | null = null;
  private last: ModeStatus = { mode: null };
  /** The client asked for no mode: answer it even when nothing was active. */
  private explicitlyCleared = false;

  constructor(
    private readonly host: ModeHost,
    private readonly notify: (status: ModeStatus) => void,
    private readonly settings: () => ModeSettings,
    private readonly baseDir: () => string | undefined,
  ) {}

  get status(): ModeStatus { return this.last; }

  /** A new mode name from the client (dpnav/setMode) or from initializationOptions. */
  async request(name: unknown): Promise<ModeStatus> {
    if (name !== null && (typeof name !== 'string' || !name.trim())) {
      const status = { mode: this.last.mode, error: `dpnav/setMode: mode must be a name or null, got ${JSON.stringify(name)}` };
      this.notify(status);
      return status;
    }
    this.requested = name === null ? null : (name as string).trim();
    this.explicitlyCleared = name === null;
    return this.apply();
  }

  /** (Re-)applies the requested mode to the current analysis. */
  async apply(): Promise<ModeStatus> {
    let mode: DatapathMode | null = null;
    if (this.requested !== null) {
      const resolved = resolveMode(this.requested, this.settings(), this.baseDir());
      if ('error' in resolved) {
        this.last = { mode: null, error: resolved.error };
        this.notify(this.last);
        return this.last;
      }
      mode = resolved;
    }
    if (!this.host.isSettled) return this.last; // applied after the index is built
    if (mode === null && this.last.mode === null && !this.last.error && !this.explicitlyCleared) return this.last; // nothing to undo
    this.last = await this.host.query('setMode', { mode }, { mode: null, error: 'the tree is not indexed (see dpnav/indexState)' });
    this.notify(this.last);
    return this.last;
  }
}
