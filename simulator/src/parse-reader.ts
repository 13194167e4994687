// Scenario-file reading primitives: typed field readers over YAML nodes that fail with a ScenarioError
// naming file, line:column, field path and what was expected.
import { isMap, isScalar, isSeq, type LineCounter, type Node as YamlNode, type YAMLMap } from 'yaml';
import { isCIDR, isIPv4, isMAC } from './model';

export class ScenarioError extends Error {
  constructor(readonly file: string, readonly fieldPath: string, readonly expected: string, readonly line?: number, readonly column?: number, detail?: string) {
    super(`${file}${line !== undefined ? `:${line}:${column ?? 1}` : ''}: ${fieldPath || '(top level)'}: expected ${expected}${detail ? ` (${detail})` : ''}`);
    this.name = 'ScenarioError';
  }
}

export type Json = YamlNode | null | undefined;


export class Reader {
  constructor(private file: string, private lc: LineCounter) {}

  fail(node: Json, path: string, expected: string, detail?: string): never {
    const offset = node?.range?.[0];
    const pos = offset !== undefined ? this.lc.linePos(offset) : undefined;
    throw new ScenarioError(this.file, path, expected, pos?.line, pos?.col, detail);
  }

  map(node: Json, path: string, allowed: string[]): YAMLMap {
    if (!isMap(node)) this.fail(node, path, 'a mapping (object)');
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined || !allowed.includes(key)) {
        this.fail(pair.key as Json, path ? `${path}.${key}` : String(key), `one of the fields ${allowed.join(', ')}`, `unknown field '${key}'`);
      }
    }
    return node;
  }

  get(m: YAMLMap, key: string): Json { return m.get(key, true) as Json; }
  has(m: YAMLMap, key: string): boolean { return m.has(key); }

  req(m: YAMLMap, key: string, path: string): YamlNode {
    const v = this.get(m, key);
    if (v === undefined || v === null || (isScalar(v) && v.value === null)) this.fail(m, join(path, key), 'a value', `missing field '${key}'`);
    return v as YamlNode;
  }

  str(node: Json, path: string, check?: (s: string) => boolean, what = 'a string'): string {
    if (!isScalar(node) || typeof node.value !== 'string' || (check && !check(node.value))) this.fail(node, path, what);
    return node.value as string;
  }

  int(node: Json, path: string, min = 0, max = Number.MAX_SAFE_INTEGER, what?: string): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value) || node.value < min || node.value > max) {
      this.fail(node, path, what ?? `an integer from ${min} to ${max}`);
    }
    return node.value as number;
  }

  bool(node: Json, path: string): boolean {
    if (!isScalar(node) || typeof node.value !== 'boolean') this.fail(node, path, 'true or false');
    return node.value as boolean;
  }

  oneOf<T extends string>(node: Json, path: string, values: readonly T[]): T {
    if (!isScalar(node) || !values.includes(String(node.value) as T)) this.fail(node, path, `one of ${values.join(', ')}`);
    return String((node as { value: unknown }).value) as T;
  }

  seq(node: Json, path: string): YamlNode[] {
    if (!isSeq(node)) this.fail(node, path, 'a list');
    return node.items as YamlNode[];
  }

  labels(node: Json, path: string): Record<string, string> {
    if (!isMap(node)) this.fail(node, path, 'a mapping of label names to string values');
    const out: Record<string, string> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : this.fail(pair.key as Json, path, 'a label name');
      const v = pair.value as Json;
      if (!isScalar(v) || (typeof v.value !== 'string' && typeof v.value !== 'number' && typeof v.value !== 'boolean')) this.fail(v, `${path}.${key}`, 'a label value (string)');
      out[key] = String(v.value);
    }
    return out;
  }

  ip(node: Json, path: string): string { return this.str(node, path, isIPv4, 'an IPv4 address such as 10.0.0.5'); }
  mac(node: Json, path: string): string { return this.str(node, path, isMAC, 'a MAC address such as 02:00:00:00:00:01').toLowerCase(); }
  cidr(node: Json, path: string): string { return this.str(node, path, isCIDR, 'an IPv4 prefix such as 10.0.0.0/24'); }

  optional<T>(m: YAMLMap, key: string, path: string, read: (n: YamlNode, p: string) => T): T | undefined {
    const v = this.get(m, key);
    if (v === undefined || v === null) return undefined;
    return read(v, join(path, key));
  }
}

export function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}
