// Datapath modes: named sets of defines standing in for the headers the agent generates per node
// (node_config.h, ep_config.h, netdev_config.h …). The simulator uses the same mode names.
//
// The define names changed over Cilium's history; a built-in mode sets every name any version uses
// for its feature, so one mode works on every tree:
//   tunnel:             ENCAP_IFINDEX (1.7 →), TUNNEL_MODE (1.10 →), HAVE_ENCAP (1.15 →),
//                       TUNNEL_PROTOCOL = TUNNEL_PROTOCOL_VXLAN|GENEVE (1.14 →), ENCAP_GENEVE (→ 1.13, geneve only)
//   BPF host routing:   ENABLE_REDIRECT_FAST (1.9 – 1.11), ENABLE_HOST_ROUTING (1.12 →)
//   IPv4:               ENABLE_IPV4
import fs from 'node:fs';
import { parseDefine, type MacroDefinition } from './cpp-expr';

/** A node's generated config header is tens of kB; a bigger file named in dpnav.modeHeaders is refused. */
export const MAX_HEADER_BYTES = 4 * 1024 * 1024;

export type ModeName = 'vxlan' | 'geneve' | 'native' | 'native-host-routing';

export interface DatapathMode {
  name: string;
  title: string;
  description: string;
  /** NAME → replacement text ("" for a bare `#define NAME`). */
  defines: Record<string, string>;
  /** Where the defines came from, for user-defined modes (settings key or header path). */
  origin?: string;
}

const common: Record<string, string> = {
  ENABLE_IPV4: '1',
  ENABLE_ROUTING: '1',
  TUNNEL_PROTOCOL_VXLAN: '1',
  TUNNEL_PROTOCOL_GENEVE: '2',
};

const tunnel: Record<string, string> = {
  ...common,
  TUNNEL_MODE: '1',
  HAVE_ENCAP: '1',
  ENCAP_IFINDEX: '4',
};

export const BUILTIN_MODES: readonly DatapathMode[] = [
  {
    name: 'vxlan',
    title: 'VXLAN tunnel',
    description: 'Overlay routing: pod traffic to other nodes is encapsulated on cilium_vxlan (UDP 8472).',
    defines: { ...tunnel, TUNNEL_PROTOCOL: 'TUNNEL_PROTOCOL_VXLAN', TUNNEL_PORT: '8472' },
  },
  {
    name: 'geneve',
    title: 'Geneve tunnel',
    description: 'Overlay routing over cilium_geneve (UDP 6081).',
    defines: { ...tunnel, TUNNEL_PROTOCOL: 'TUNNEL_PROTOCOL_GENEVE', TUNNEL_PORT: '6081', ENCAP_GENEVE: '1' },
  },
  {
    name: 'native',
    title: 'Native routing',
    description: 'tunnel: disabled; the lxc program passes packets to the host stack, which routes them.',
    defines: { ...common },
  },
  {
    name: 'native-host-routing',
    title: 'Native routing, BPF host routing',
    description: 'Native routing with BPF host routing: redirects bypass the host stack (redirect_peer / redirect_neigh).',
    defines: { ...common, ENABLE_HOST_ROUTING: '1', ENABLE_REDIRECT_FAST: '1' },
  },
];

export function builtinMode(name: string): DatapathMode | undefined {
  return BUILTIN_MODES.find((m) => m.name === name);
}

/** The defines of a mode as a macro map for the condition evaluator. */
export function modeMacros(mode: DatapathMode): Map<string, MacroDefinition> {
  const m = new Map<string, MacroDefinition>();
  for (const [name, value] of Object.entries(mode.defines)) {
    const parsed = parseDefine(`${name} ${value}`, mode.origin ?? `mode ${mode.name}`);
    if (parsed) m.set(parsed.name, parsed.def);
  }
  return m;
}

export class ModeError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    // line 0: no position (a settings entry, an unreadable file)
    super(line > 0 ? `${file}:${line}: ${message}` : `${file}: ${message}`);
  }
}

/**
 * Reads the `#define`s of a node's generated config header(s) into a mode. Only top-level defines
 * count (a define inside `#if` is taken as written, since the header is the agent's output, which
 * has no conditions worth evaluating); `#undef` removes.
 */
export function modeFromHeaders(name: string, paths: string[]): DatapathMode {
  const defines: Record<string, string> = {};
  for (const path of paths) {
    let text: string;
    try {
      const size = fs.statSync(path).size;
      if (size > MAX_HEADER_BYTES) throw new ModeError(path, 0, `config header is ${(size / 1048576).toFixed(1)} MB; headers over ${MAX_HEADER_BYTES / 1048576} MB are not read`);
      text = fs.readFileSync(path, 'latin1');
    } catch (e) {
      if (e instanceof ModeError) throw e;
      throw new ModeError(path, 0, `cannot read config header: ${(e as Error).message}`);
    }
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i];
      const start = i;
      while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i];
      const d = /^\s*#\s*define\s+(.*)$/.exec(line);
      if (d) {
        const parsed = parseDefine(d[1].replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, ''));
        if (!parsed) throw new ModeError(path, start + 1, `cannot read #define: ${line.trim().slice(0, 80)}`);
        const { def } = parsed;
        const params = def.params?.map((p) => (p === '__VA_ARGS__' ? '...' : p));
        defines[parsed.name + (params ? `(${params.join(', ')})` : '')] = def.bodyText;
        continue;
      }
      const u = /^\s*#\s*undef\s+(\w+)/.exec(line);
      if (u) delete defines[u[1]];
    }
  }
  return { name, title: name, description: `defines from ${paths.join(', ')}`, defines, origin: paths.join(', ') };
}

/** Validates a user-defined mode from settings: `{ name, defines: { NAME: "value" } }`. */
export function modeFromSettings(value: unknown, where: string): DatapathMode {
  const fail = (field: string, expected: string): never => {
    throw new ModeError(where, 0, `${field}: expected ${expected}`);
  };
  if (typeof value !== 'object' || value === null) fail('mode', 'an object { name, defines }');
  const o = value as Record<string, unknown>;
  if (typeof o.name !== 'string' || !/^[\w.-]{1,64}$/.test(o.name)) fail('name', 'a short name of letters, digits, . _ -');
  if (typeof o.defines !== 'object' || o.defines === null || Array.isArray(o.defines)) fail('defines', 'an object of NAME: "value"');
  const defines: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.defines as Record<string, unknown>)) {
    if (!/^[A-Za-z_]\w*(\([\w\s,.]*\))?$/.test(k)) fail(`defines.${k}`, 'a macro name');
    if (typeof v !== 'string' && typeof v !== 'number' && v !== true) fail(`defines.${k}`, 'a string or number value');
    defines[k] = v === true ? '1' : String(v);
  }
  const name = o.name as string;
  return {
    name,
    title: typeof o.title === 'string' ? o.title : name,
    description: typeof o.description === 'string' ? o.description : 'user-defined mode',
    defines,
    origin: where,
  };
}

/**
 * The built-in mode the simulator runs for a mode: a user's own defines (or a node's headers) are
 * simulated as the closest built-in, judged by the same define names the built-ins set.
 */
export function simulatorModeFor(mode: DatapathMode): ModeName {
  const builtin = BUILTIN_MODES.find((m) => m.name === mode.name);
  if (builtin) return builtin.name as ModeName;
  const has = (name: string) => Object.keys(mode.defines).some((k) => k === name || k.startsWith(`${name}(`));
  if (has('TUNNEL_MODE') || has('ENCAP_IFINDEX') || has('HAVE_ENCAP')) {
    const protocol = mode.defines.TUNNEL_PROTOCOL ?? '';
    return has('ENCAP_GENEVE') || /GENEVE|^2$/.test(protocol.trim()) ? 'geneve' : 'vxlan';
  }
  return has('ENABLE_HOST_ROUTING') || has('ENABLE_REDIRECT_FAST') ? 'native-host-routing' : 'native';
}
