// What the end-to-end test expects, read straight from the C files of the workspace copy (never from the
// extension): where a function is defined, a tail-call site with a CILIUM_CALL_* slot, and the program
// declared for that slot. Lines and columns are 1-based, as VS Code's status bar shows them.
'use strict';
const fs = require('fs');
const path = require('path');

function sourceFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.[ch]$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A top-level definition of `fn` in one file: name line, line of the body's `{`, line of the closing `}`. */
function definitionInFile(file, fn) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const head = new RegExp(`^(?:[A-Za-z_].*)?\\b${escape(fn)}\\s*\\(`);
  for (let i = 0; i < lines.length; i++) {
    if (!head.test(lines[i])) continue;
    // Declaration or definition: whichever of ';' or '{' comes first after the name.
    let bodyLine;
    for (let k = i; k < Math.min(lines.length, i + 12) && bodyLine === undefined; k++) {
      const text = k === i ? lines[k].slice(lines[k].indexOf(fn)) : lines[k];
      const brace = text.indexOf('{');
      const semi = text.indexOf(';');
      if (semi >= 0 && (brace < 0 || semi < brace)) break;
      if (brace >= 0) bodyLine = k;
    }
    if (bodyLine === undefined) continue;
    let endLine = bodyLine;
    while (endLine < lines.length - 1 && !/^}/.test(lines[endLine])) endLine++;
    return { file, nameLine: i + 1, bodyLine: bodyLine + 1, endLine: endLine + 1 };
  }
  return undefined;
}

/** Where `fn` is defined under `bpfDir` (the first definition in path order). */
function definitionOf(bpfDir, fn) {
  for (const file of sourceFiles(bpfDir)) {
    const def = definitionInFile(file, fn);
    if (def) return def;
  }
  return undefined;
}

/**
 * The first tail call in `file` whose slot argument is a plain CILIUM_CALL_* constant (not a conditional)
 * with a program declared for it: line and column of the constant, the slot, and that program.
 */
function tailCallSite(bpfDir, file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (/^\s*#/.test(text) || /__section_tail|__declare_tail/.test(text)) continue;
    const m = /(?:tail_call\w*|tailcall\w*)\s*\(\s*\w+\s*,\s*(?:[A-Z_]+\s*,\s*)?(CILIUM_CALL_[A-Z0-9_]+)\s*[,)]/.exec(text);
    if (!m) continue;
    const target = tailTarget(bpfDir, m[1], path.basename(file));
    if (target) return { line: i + 1, column: text.indexOf(m[1], m.index) + 1, slot: m[1], target };
  }
  return undefined;
}

/** The program declared for `slot` (via __section_tail(…, slot) or __declare_tail(slot)), preferring `preferFile`. */
function tailTarget(bpfDir, slot, preferFile) {
  const files = sourceFiles(bpfDir).sort((a, b) => Number(path.basename(b) === preferFile) - Number(path.basename(a) === preferFile));
  const decl = new RegExp(`(__section_tail\\s*\\([^)]*|__declare_tail\\s*\\(\\s*)\\b${escape(slot)}\\b`);
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (/^\s*#/.test(lines[i]) || !decl.test(lines[i])) continue;
      // The program's name: the identifier before '(' on the declaration line (after the macro) or just below.
      for (let k = i; k < Math.min(lines.length, i + 4); k++) {
        const text = k === i ? lines[k].slice(lines[k].indexOf(slot) + slot.length) : lines[k];
        const m = /\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(text.replace(/^[^A-Za-z_]*\)/, ''));
        if (m && !/^(__section\w*|__declare_tail|__attribute__)$/.test(m[1])) return { file, program: m[1], declLine: i + 1, nameLine: k + 1 };
      }
    }
  }
  return undefined;
}

module.exports = { definitionOf, tailCallSite, tailTarget };
