// The graph as the CLI prints it (`dpnav graph --format json`) and as the server returns it to the
// webview (`dpnav/graph` request). Paths are relative to the bpf/ folder, lines are 1-based.
// Documented in docs/graph-format.md; change both together.

export type ProgramKind = 'entry' | 'tail' | 'policy';

export interface AttachPoint {
  /** Device pattern: "lxc*", "cilium_host", "cilium_net", "cilium_vxlan", "<native-dev>" … */
  device: string;
  hook: 'tc-ingress' | 'tc-egress' | 'xdp' | 'cgroup' | 'socket' | string;
  note?: string;
}

export interface GraphProgram {
  name: string;
  file: string;
  line: number;
  kind: ProgramKind;
  /** The program object (compilation unit) this program belongs to, e.g. "bpf_lxc.c". */
  object: string;
  section?: string;
  slot?: string;
  slotValue?: number;
  attach?: AttachPoint;
  /** Preprocessor condition guarding the definition, as written in the source. */
  condition?: string;
}

export type EdgeKind = 'call' | 'tail' | 'dynamic-tail';

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  file: string;
  line: number;
  object?: string;
  /** The wrapper or macro the site goes through (e.g. "ep_tail_call", "invoke_tailcall_if"). */
  via?: string;
  slot?: string;
  slotValue?: number;
  condition?: string;
}

export interface Graph {
  /** bpf/ folder the graph was built from (absolute). */
  root?: string;
  programs: GraphProgram[];
  edges: GraphEdge[];
}
