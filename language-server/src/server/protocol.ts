// The server's custom LSP messages, shared by the server, the VS Code extension and the tests.
// Documented in docs/lsp.md; change both together. Plain types and method names only, so a client can
// import this file without pulling in the server.
import type { Graph } from '../core/graph-schema';

export type IndexPhase =
  /** Looking for the bpf/ folder (the one holding bpf_lxc.c) under the workspace folders. */
  | 'searching'
  /** The tree is being parsed; requests answer from what is indexed so far. */
  | 'indexing'
  /** Every file is indexed; answers are complete. Edits re-index one file and stay in this phase. */
  | 'ready'
  /** No bpf/ folder found (or the configured one does not exist); `message` says where we looked. */
  | 'no-root'
  /** Indexing failed; `message` says why. Requests answer empty. */
  | 'error';

/** `dpnav/indexState` notification (server → client), sent on every phase change and after each re-index. */
export interface IndexState {
  state: IndexPhase;
  /** Absolute path of the bpf/ folder being served, once found. */
  root?: string;
  /** Files indexed so far. */
  files: number;
  /** While indexing: files to parse in all (with `files` the ones done), for a progress display. */
  filesTotal?: number;
  /** Programs (entry, tail, policy) in the graph so far. */
  programs: number;
  /** Tail and dynamic-tail edges in the graph so far. */
  tailEdges?: number;
  /** Milliseconds the initial index took (set in `ready`). */
  elapsedMs?: number;
  /** Where the analysis runs: a worker thread (normal) or the server's own thread (fallback). */
  thread?: 'worker' | 'in-process';
  message?: string;
}

export const IndexStateNotification = 'dpnav/indexState';
/** `dpnav/indexStatus` request: the current IndexState (for clients that connect late or poll). No params. */
export const IndexStatusRequest = 'dpnav/indexStatus';

/** `dpnav/graph` request → Graph (same schema as `dpnav graph --format json`). */
export const GraphRequest = 'dpnav/graph';
export interface GraphParams {
  /** Wait until the initial index finishes instead of answering with the partial graph. Default false. */
  waitForIndex?: boolean;
}

/** `dpnav/locate` request: where a function (and a call inside it) is in the user's tree. */
export const LocateRequest = 'dpnav/locate';
export interface LocateParams {
  function: string;
  /** Other names the same function has had across Cilium versions; tried in order after `function`. */
  aliases?: string[];
  /** A callee whose call site inside the function should be returned as callRange. */
  call?: string;
  callAliases?: string[];
  /** A file name or path suffix (e.g. "bpf_lxc.c", "lib/nodeport.h") preferred when several definitions exist. */
  fileHint?: string;
}
export interface LspPosition { line: number; character: number }
export interface LspRange { start: LspPosition; end: LspPosition }
export type LocateResult =
  | { found: true; uri: string; range: LspRange; callRange?: LspRange; matchedName: string; matchedCall?: string }
  | { found: false; reason: string };

/** Command id the code lenses carry; the client implements it (the VS Code extension maps it to
 *  `editor.action.showReferences`). Arguments: [uri: string, position: LspPosition, locations: {uri, range}[]]. */
export const ShowReferencesCommand = 'dpnav.showReferences';

/** initializationOptions and the `dpnav` settings section. */
export interface ServerSettings {
  /** The bpf/ folder to serve: absolute, or relative to the first workspace folder. */
  bpfRoot?: string;
  /** Code lenses with the `dpnav.showReferences` command (true) or title-only lenses (false, the default). */
  codeLensCommands?: boolean;
  /** User datapath modes: [{ name, title?, description?, defines: { NAME: "value" } }] (docs/modes.md). */
  modes?: unknown;
  /** Modes read from a node's generated config headers: { "name": ["path/node_config.h", …] }. */
  modeHeaders?: unknown;
  /** Folders left out of the index: paths relative to bpf/, folder names, or globs (`*`, `**`). */
  exclude?: string[];
  /** Most .c/.h files indexed (default 5000); a bigger folder is refused with an indexState error. */
  maxFiles?: number;
}

/** Default for `dpnav.maxFiles`: Cilium's bpf/ holds a few hundred files, a kernel tree tens of thousands. */
export const DEFAULT_MAX_FILES = 5000;

/** What bounds an index: the `exclude` and `maxFiles` settings. */
export interface IndexLimits { exclude: string[]; maxFiles: number }

export type { Graph };

/**
 * `dpnav/setMode` notification (client → server): the datapath mode the editor shows. `mode` is a
 * built-in mode (vxlan, geneve, native, native-host-routing), a `dpnav.modes` entry or a
 * `dpnav.modeHeaders` entry; null shows every branch (no evaluation). Answered by `dpnav/modeChanged`.
 */
export const SetModeNotification = 'dpnav/setMode';
export interface SetModeParams { mode: string | null }

/** `dpnav/modeChanged` notification (server → client) once the tree is evaluated for the mode. */
export const ModeChangedNotification = 'dpnav/modeChanged';
export interface ModeStatus {
  /** The active mode, or null when none is (or it could not be set: see `error`). */
  mode: string | null;
  title?: string;
  /** Milliseconds the evaluation of every #if of the tree took. */
  ms?: number;
  /** Identifiers conditions read that neither the mode nor the tree define (taken as undefined). */
  unknownSymbols?: string[];
  /** Conditions that could not be evaluated (taken as false), `file: #if expr: why`; at most 50. */
  conditionErrors?: string[];
  error?: string;
}

/** `dpnav/inactiveRegions` request: the lines of a document the active mode compiles out. */
export const InactiveRegionsRequest = 'dpnav/inactiveRegions';
export interface InactiveRegionsParams { textDocument: { uri: string } }
export interface InactiveRegion {
  /** Whole lines: start.character 0, end.character past the line's end. */
  range: LspRange;
  /** The directive whose condition fails, e.g. `#ifdef TUNNEL_MODE`, and its 0-based line. */
  directive: string;
  directiveLine: number;
  reason: string;
}
export interface InactiveRegionsResult { mode: string | null; regions: InactiveRegion[] }
