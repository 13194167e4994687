import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeSpan, plainText } from '../../../extension/src/markdown';

test('codeSpan: a fence longer than any backtick run inside, padded when the text starts or ends with one', () => {
  assert.equal(codeSpan('defined(ENABLE_IPV4)'), '`defined(ENABLE_IPV4)`');
  assert.equal(codeSpan('a`b'), '``a`b``');
  assert.equal(codeSpan('x ``` [y](command:q)'), '````x ``` [y](command:q)````');
  assert.equal(codeSpan('`[x](command:workbench.action.quit)`'), '`` `[x](command:workbench.action.quit)` ``');
  // A newline would end a tooltip paragraph; it becomes a space.
  assert.equal(codeSpan('A\n&& B'), '`A && B`');
});

test('plainText: every character that could open a link, image, HTML, emphasis or code is escaped', () => {
  assert.equal(plainText('[x](command:workbench.action.quit)'), '\\[x\\](command:workbench.action.quit)');
  assert.equal(plainText('<img src=x onerror=alert(1)>'), '\\<img src=x onerror=alert(1)\\>');
  assert.equal(plainText('![i](https://e/x.png)'), '\\!\\[i\\](https://e/x.png)');
  assert.equal(plainText('**b** _i_ `c` a\\b'), '\\*\\*b\\*\\* \\_i\\_ \\`c\\` a\\\\b');
  assert.equal(plainText('cil_from_container'), 'cil\\_from\\_container');
  assert.equal(plainText('lxc* · tc-ingress'), 'lxc\\* · tc-ingress');
});
