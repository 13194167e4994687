// Structural checks for the Trace and Graph JSON the webview receives. They answer with the path of
// the first problem ("hops[1].steps[3].summary: expected a string") so a malformed message is reported
// precisely instead of breaking a view halfway. Values inside headers and map keys are only rendered as
// text, so they are checked for being plain JSON scalars, not for their meaning.
import type { Trace } from '../../simulator/src/trace';
import type { Graph } from '../../language-server/src/core/graph-schema';

type Check = (v: unknown, at: string) => string | undefined;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str: Check = (v, at) => (typeof v === 'string' && v.length < 100_000 ? undefined : `${at}: expected a string`);
const int: Check = (v, at) => (Number.isInteger(v) ? undefined : `${at}: expected an integer`);
const num: Check = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `${at}: expected a number`);
const scalar: Check = (v, at) =>
  v === null || ['string', 'number', 'boolean'].includes(typeof v) ? undefined : `${at}: expected a string, number, boolean or null`;
const opt = (c: Check): Check => (v, at) => (v === undefined ? undefined : c(v, at));
const list = (c: Check, max = 100_000): Check => (v, at) => {
  if (!Array.isArray(v) || v.length > max) return `${at}: expected a list`;
  for (let i = 0; i < v.length; i++) {
    const p = c(v[i], `${at}[${i}]`);
    if (p) return p;
  }
  return undefined;
};
const record = (c: Check): Check => (v, at) => {
  if (!isObj(v)) return `${at}: expected an object`;
  for (const [k, val] of Object.entries(v)) {
    const p = c(val, `${at}.${k}`);
    if (p) return p;
  }
  return undefined;
};
const shape = (fields: Record<string, Check>): Check => (v, at) => {
  if (!isObj(v)) return `${at}: expected an object`;
  for (const [k, c] of Object.entries(fields)) {
    const p = c(v[k], at ? `${at}.${k}` : k);
    if (p) return p;
  }
  return undefined;
};

const anchor = shape({ function: str, aliases: opt(list(str)), call: opt(str), callAliases: opt(list(str)), fileHint: opt(str) });
const eth = shape({ src: str, dst: str, ethertype: str });
const ipv4 = shape({ src: str, dst: str, ttl: num, protocol: str, id: opt(num) });
const packet = shape({
  eth,
  ipv4: opt(ipv4),
  l4: opt(shape({ protocol: str, srcPort: opt(num), dstPort: opt(num), icmpType: opt(str), tcpFlags: opt(list(str)) })),
  arp: opt(shape({ op: str, senderMac: str, senderIp: str, targetMac: str, targetIp: str })),
  outer: opt(shape({ eth, ipv4, udp: shape({ srcPort: num, dstPort: num }), tunnel: shape({ kind: str, vni: num, identity: opt(num) }) })),
  mark: opt(num),
  length: opt(num),
});
const returnCode = shape({ name: str, value: num });
const reason = shape({ name: str, code: num });
const step = shape({
  index: int,
  kind: str,
  summary: str,
  source: anchor,
  kernel: opt((v, at) => (typeof v === 'boolean' ? undefined : `${at}: expected true or false`)),
  lookups: opt(list(shape({ map: str, key: record(scalar), result: (v, at) => (v === null ? undefined : record(scalar)(v, at)), note: opt(str), op: opt(str) }))),
  packetBefore: opt(packet),
  packetAfter: opt(packet),
  returnCode: opt(returnCode),
  notification: opt(shape({ type: str, observationPoint: opt(str), dropReason: opt(reason), srcIdentity: opt(num), dstIdentity: opt(num), ifindex: opt(num), endpointId: opt(num), message: opt(str) })),
  redirect: opt(shape({ ifname: str, ifindex: num, direction: str, helper: str })),
});
const hop = shape({ node: str, device: str, hook: str, program: opt(str), steps: list(step) });
const disposition: Check = (v, at) => {
  const base = shape({ kind: str })(v, at);
  if (base) return base;
  const d = v as Record<string, unknown>;
  switch (d.kind) {
    case 'delivered': return shape({ to: str, node: str, target: str })(v, at);
    case 'sent-to-world': return shape({ node: str, device: str })(v, at);
    case 'dropped': return shape({ node: str, reason, at: anchor })(v, at);
    case 'replied': return shape({ node: str, target: str })(v, at);
    case 'returned': return shape({ returnCode })(v, at);
    default: return `${at}.kind: unknown disposition`;
  }
};
const trace = shape({ scenario: str, mode: str, hops: list(hop), disposition });

const program = shape({
  name: str, file: str, line: int, kind: str, object: str, section: opt(str), slot: opt(str), slotValue: opt(num),
  attach: opt(shape({ device: str, hook: str, note: opt(str) })), condition: opt(str),
});
const edge = shape({
  from: str, to: str, kind: str, file: str, line: int, object: opt(str), via: opt(str), slot: opt(str), slotValue: opt(num), condition: opt(str),
});
const graph = shape({ root: opt(str), programs: list(program), edges: list(edge) });

/** The first structural problem of a would-be Trace, or undefined when it is one. */
export function traceProblem(v: unknown): string | undefined {
  const p = trace(v, '');
  if (p) return p;
  // Steps are addressed by index everywhere (revealStep, stepLocation): they must be 0..n-1 in order.
  let expected = 0;
  for (const h of (v as Trace).hops) {
    for (const s of h.steps) {
      if (s.index !== expected) return `step index ${s.index} found where ${expected} was expected`;
      expected++;
    }
  }
  return undefined;
}

export const isTrace = (v: unknown): v is Trace => traceProblem(v) === undefined;

/** The first structural problem of a would-be Graph, or undefined when it is one. */
export const graphProblem = (v: unknown): string | undefined => graph(v, '');
export const isGraph = (v: unknown): v is Graph => graphProblem(v) === undefined;
