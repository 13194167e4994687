import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from '../../../extension/src/restart-policy';

// vscode-languageclient's CloseAction: 1 DoNotRestart, 2 Restart; ErrorAction: 1 Continue, 2 Shutdown.
test('a dead server is restarted and the user is told once', () => {
  const told: string[] = [];
  let clock = 0;
  const policy = new RestartPolicy({ notify: (m) => told.push(m), now: () => clock, maxRestarts: 3, windowMs: 60_000 });
  assert.equal(policy.closed().action, 2);
  clock += 1000;
  assert.equal(policy.closed().action, 2);
  assert.equal(told.length, 1);
  assert.match(told[0], /stopped unexpectedly and was restarted/);
  assert.equal(policy.restartCount, 2);
});

test('a server crashing over and over is given up on, with one more message', () => {
  const told: string[] = [];
  let clock = 0;
  const policy = new RestartPolicy({ notify: (m) => told.push(m), now: () => clock, maxRestarts: 3, windowMs: 60_000 });
  for (let i = 0; i < 3; i++) { assert.equal(policy.closed().action, 2); clock += 100; }
  assert.equal(policy.closed().action, 1);
  assert.equal(policy.closed().action, 1);
  assert.equal(told.length, 2);
  assert.match(told[1], /not restarted/);
});

test('crashes spread over time keep being restarted', () => {
  let clock = 0;
  const policy = new RestartPolicy({ notify: () => {}, now: () => clock, maxRestarts: 2, windowMs: 60_000 });
  for (let i = 0; i < 6; i++) { assert.equal(policy.closed().action, 2, `crash ${i}`); clock += 61_000; }
});

test('transport errors: a few are survived, a stream shuts the connection', () => {
  const policy = new RestartPolicy({ notify: () => {} });
  assert.equal(policy.error(new Error('x'), undefined, 1).action, 1);
  assert.equal(policy.error(new Error('x'), undefined, 5).action, 2);
});

test('transport errors are handled quietly (logged, no notification of the client\'s own); giving up is remembered', () => {
  const told: string[] = [];
  const logged: string[] = [];
  let clock = 0;
  const policy = new RestartPolicy({ notify: (m) => told.push(m), log: (m) => logged.push(m), now: () => clock, maxRestarts: 1, windowMs: 60_000 });
  const e = policy.error(new Error('write EPIPE'), undefined, 1);
  assert.equal(e.handled, true);
  assert.equal(policy.error(new Error('write EPIPE'), undefined, 4).handled, true);
  assert.equal(logged.length, 2);
  assert.match(logged[0], /EPIPE/);
  assert.equal(told.length, 0);
  assert.equal(policy.closed().handled, true);
  assert.equal(policy.gaveUp, false);
  clock += 10;
  assert.equal(policy.closed().action, 1);
  assert.equal(policy.gaveUp, true);
  assert.equal(told.length, 2, 'told of the restart, then of giving up');
});
