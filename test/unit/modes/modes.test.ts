import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILTIN_MODES, builtinMode, modeFromHeaders, modeFromSettings, modeMacros, ModeError, simulatorModeFor, MAX_HEADER_BYTES } from '../../../language-server/src/modes/modes';
import { evaluateCondition, macroTable } from '../../../language-server/src/modes/cpp-expr';

const holds = (mode: string, expr: string) => evaluateCondition(expr, macroTable(modeMacros(builtinMode(mode)!))).value;

test('built-in modes match the simulator names', () => {
  assert.deepEqual(BUILTIN_MODES.map((m) => m.name).sort(), ['geneve', 'native', 'native-host-routing', 'vxlan']);
});

test('tunnel modes set every tunnel name Cilium versions use; native sets none', () => {
  for (const expr of ['defined(ENCAP_IFINDEX)', 'defined(TUNNEL_MODE)', 'defined(HAVE_ENCAP)']) {
    assert.equal(holds('vxlan', expr), true, `vxlan: ${expr}`);
    assert.equal(holds('geneve', expr), true, `geneve: ${expr}`);
    assert.equal(holds('native', expr), false, `native: ${expr}`);
    assert.equal(holds('native-host-routing', expr), false, `native-host-routing: ${expr}`);
  }
  assert.equal(holds('vxlan', 'TUNNEL_PROTOCOL == TUNNEL_PROTOCOL_VXLAN && TUNNEL_PORT == 8472'), true);
  assert.equal(holds('geneve', 'TUNNEL_PROTOCOL == TUNNEL_PROTOCOL_GENEVE && defined(ENCAP_GENEVE)'), true);
});

test('BPF host routing under its old and new names only in native-host-routing', () => {
  assert.equal(holds('native-host-routing', 'defined(ENABLE_HOST_ROUTING) && defined(ENABLE_REDIRECT_FAST)'), true);
  assert.equal(holds('native', 'defined(ENABLE_HOST_ROUTING) || defined(ENABLE_REDIRECT_FAST)'), false);
  assert.equal(holds('vxlan', 'defined(ENABLE_HOST_ROUTING)'), false);
});

test('a mode from a generated config header', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-mode-'));
  const header = path.join(dir, 'node_config.h');
  fs.writeFileSync(header, [
    '/* written by a test in the agent\'s style */',
    '#define ENABLE_IPV4 1',
    '#define TUNNEL_MODE 1',
    '#define NODE_MAC { .addr = { 0x1, 0x2 } }',
    '#define LONG_ONE 1 + \\',
    '  2',
    '#define SCALE(x) ((x) * 3)',
    '#define GONE 1',
    '#undef GONE',
  ].join('\n'));
  const mode = modeFromHeaders('node-a', [header]);
  const t = macroTable(modeMacros(mode));
  assert.equal(evaluateCondition('defined(TUNNEL_MODE) && LONG_ONE == 3 && SCALE(2) == 6', t).value, true);
  assert.equal(evaluateCondition('defined(GONE)', t).value, false);
  assert.equal(mode.origin, header);
});

test('an unreadable header is an error naming the file', () => {
  assert.throws(() => modeFromHeaders('x', ['/nonexistent/node_config.h']), (e: unknown) =>
    e instanceof ModeError && e.file === '/nonexistent/node_config.h' && /cannot read/.test(e.message));
});

test('a config header over the size limit is refused, naming the file', () => {
  const header = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dpnav-mode-big-')), 'node_config.h');
  fs.writeFileSync(header, '#define ENABLE_IPV4 1\n');
  fs.truncateSync(header, MAX_HEADER_BYTES + 1);
  assert.throws(() => modeFromHeaders('big', [header]), (e: unknown) =>
    e instanceof ModeError && e.file === header && /headers over 4 MB are not read/.test(e.message));
});

test('user-defined modes from settings are validated field by field', () => {
  const m = modeFromSettings({ name: 'ipv6-only', defines: { ENABLE_IPV6: 1, TUNNEL_MODE: true } }, 'settings: dpnav.modes[0]');
  assert.deepEqual(m.defines, { ENABLE_IPV6: '1', TUNNEL_MODE: '1' });
  assert.throws(() => modeFromSettings({ name: 'x', defines: { 'not a name': '1' } }, 'settings: dpnav.modes[1]'),
    /dpnav\.modes\[1\].*defines\.not a name: expected a macro name/);
  assert.throws(() => modeFromSettings({ defines: {} }, 'settings: dpnav.modes[2]'), /name: expected/);
  assert.throws(() => modeFromSettings('vxlan', 'settings: dpnav.modes[3]'), /expected an object/);
});

test('user modes are simulated as the closest built-in mode', () => {
  const user = (defines: Record<string, string>) => modeFromSettings({ name: 'mine', defines }, 'settings: dpnav.modes[0]');
  assert.equal(simulatorModeFor(builtinMode('native-host-routing')!), 'native-host-routing');
  assert.equal(simulatorModeFor(user({ ENABLE_IPV4: '1', TUNNEL_MODE: '1' })), 'vxlan');
  assert.equal(simulatorModeFor(user({ ENCAP_IFINDEX: '7', TUNNEL_PROTOCOL: 'TUNNEL_PROTOCOL_GENEVE' })), 'geneve');
  assert.equal(simulatorModeFor(user({ ENCAP_IFINDEX: '7', ENCAP_GENEVE: '1' })), 'geneve');
  assert.equal(simulatorModeFor(user({ ENABLE_IPV4: '1', ENABLE_HOST_ROUTING: '1' })), 'native-host-routing');
  assert.equal(simulatorModeFor(user({ ENABLE_IPV4: '1', ENABLE_REDIRECT_FAST: '1' })), 'native-host-routing');
  assert.equal(simulatorModeFor(user({ ENABLE_IPV4: '1' })), 'native');
});
