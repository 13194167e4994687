// Cross-checks the language server's definitions and call hierarchy against clangd on a real tree
// (not a test; needs clangd, e.g. Debian's clangd-19):
//   node --import tsx test/bench/clangd-crosscheck.ts <bpf-dir> --out /tmp/audit/v1.19 [--clangd clangd-19]
//        [--sites 600] [--incoming 60] [--headers lib/a.h,lib/b.h] [--list] [-DEXTRA ...]
// It writes compile_commands.json into --out (never into the tree) for bpf_lxc.c, bpf_host.c (bpf_netdev.c in
// old trees) and bpf_overlay.c, each with the tree's MAX_<OBJECT>_OPTIONS from its Makefile (the configuration
// Cilium itself loads to max out complexity; -DENABLE_IPV4 -DENABLE_IPV6 where there is none) plus -DEXTRA,
// -ferror-limit=0 (clangd stops at 20 errors otherwise) and -nostdinc only where Makefile.bpf uses it. clangd
// runs niced with -j=1 and its background index lands in --out.
// Definitions: for up to --sites identifiers written as a call (`name(`) in each of these files (comments,
// strings and preprocessor lines skipped), and a quarter as many in each of a few headers they include
// (--headers; clangd parses an opened header on its own, without its includer's context, so a header site
// clangd cannot resolve counts as clangd-none-header), both servers are asked textDocument/definition; a site agrees when
// clangd's target (file and line) is among ours. Disagreements are classified:
//   agree-not-first clangd's target is among ours but not first (we list several same-name definitions)
//   ours-missing   clangd resolves, we answer nothing
//   ours-missing-helper the same at a BPF helper call (clangd lands on its BPF_FUNC(...) declaration)
//   ours-other     both answer, no common target, clangd's target is a function we do not list
//   config         clangd answers nothing at a site we resolve (compiled out in this configuration), or
//                  clangd picks one of several same-name definitions we list (the configuration chose)
//   clangd-none    clangd answers nothing and we answer nothing
//   builtin        a compiler builtin (__sync_*, __atomic_*, __builtin_*): nothing to go to; we answer nothing
//   clangd-implicit clangd has no declaration (a header parsed alone, a builtin) and points at a use
// Hierarchy: clangd 19 has no outgoing calls, so the direct callees of each function of these files are taken
// from clangd's definitions of the calls written in its body (functions only: the target line is not a
// #define) and compared with the `call` entries of our callHierarchy/outgoingCalls; then for --incoming
// callees clangd's callHierarchy/incomingCalls is compared with ours (caller names, direct calls only).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification,
  DidOpenTextDocumentNotification, ShutdownRequest, ExitNotification, type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { startSession, clientCapabilities, type LspSession } from '../unit/lsp/harness';

type Pos = { line: number; character: number };
type Loc = { file: string; line: number };
interface Item { name: string; detail?: string; kind: number; uri: string; range: { start: Pos; end: Pos }; selectionRange: { start: Pos; end: Pos } }

const argv = process.argv.slice(2);
const opt = (name: string, dflt?: string) => { const i = argv.indexOf(name); return i >= 0 ? argv.splice(i, 2)[1] : dflt; };
const outDir = path.resolve(opt('--out', '/tmp/dpnav-clangd')!);
const clangdBin = opt('--clangd', 'clangd-19')!;
const maxSites = Number(opt('--sites', '600'));
const maxIncoming = Number(opt('--incoming', '60'));
const headersArg = opt('--headers');
const list = argv.includes('--list') ? (argv.splice(argv.indexOf('--list'), 1), true) : false;
const [dirArg, ...extraFlags] = argv;

const KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'defined', 'asm', '__asm__',
  '__attribute__', '__builtin_expect', '_Static_assert', 'offsetof', '__builtin_offsetof', 'case', 'do', 'else', 'goto']);

/** Blanks comments, string/char literals and preprocessor lines, keeping offsets. */
function codeOnly(text: string): string {
  const out = text.split('');
  let i = 0, lineStart = true;
  const blank = (a: number, b: number) => { for (let k = a; k < b; k++) if (out[k] !== '\n') out[k] = ' '; };
  while (i < text.length) {
    const c = text[i];
    if (lineStart && /[ \t]/.test(c)) { i++; continue; }
    if (lineStart && c === '#') {
      let j = i;
      while (j < text.length && !(text[j] === '\n' && text[j - 1] !== '\\')) j++;
      blank(i, j); i = j; continue;
    }
    lineStart = c === '\n';
    if (c === '/' && text[i + 1] === '*') { const j = text.indexOf('*/', i + 2); const e = j < 0 ? text.length : j + 2; blank(i, e); i = e; continue; }
    if (c === '/' && text[i + 1] === '/') { let j = i; while (j < text.length && text[j] !== '\n') j++; blank(i, j); i = j; continue; }
    if (c === '"' || c === '\'') { let j = i + 1; while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1; blank(i, j + 1); i = j + 1; continue; }
    i++;
  }
  return out.join('');
}

function posAt(text: string, at: number): Pos { const b = text.slice(0, at); return { line: b.split('\n').length - 1, character: at - (b.lastIndexOf('\n') + 1) }; }

function makefileOptions(root: string, object: string): string[] {
  let text = '';
  try { text = fs.readFileSync(path.join(root, 'Makefile'), 'utf8'); } catch { return []; }
  const vars = new Map<string, string>();
  const expand = (s: string): string => s.replace(/\$[({](\w+)[)}]/g, (_, v: string) => vars.get(v) ?? '');
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^\s*(\w+_OPTIONS)\s*(\+=|\?=|:=|=)\s*(.*)$/.exec(line);
    if (m) { const v = expand(m[3].replace(/#.*$/, '')); vars.set(m[1], m[2] === '+=' ? `${vars.get(m[1]) ?? ''} ${v}` : v); }
  }
  const key = { 'bpf_lxc.c': 'LXC', 'bpf_host.c': 'HOST', 'bpf_netdev.c': 'NETDEV', 'bpf_overlay.c': 'OVERLAY' }[object] ?? '';
  const flags = (vars.get(`MAX_${key}_OPTIONS`) ?? '').split(/\s+/).filter((t) => t.startsWith('-D'));
  return flags.length ? flags : ['-DENABLE_IPV4', '-DENABLE_IPV6']; // old trees have no MAX_LXC_OPTIONS
}

async function startClangd(root: string): Promise<{ conn: ProtocolConnection; child: ChildProcess }> {
  const child = spawn('nice', ['-n', '10', clangdBin, '-j=1', `--compile-commands-dir=${outDir}`, '--background-index', '--log=error',
    '--header-insertion=never', '--limit-references=0', '--limit-results=0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr!.on('data', () => { /* clangd logs; ignored */ });
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.listen();
  const rootUri = pathToFileURL(root).href;
  await conn.sendRequest(InitializeRequest.method, { processId: process.pid, rootUri, capabilities: clientCapabilities, workspaceFolders: [{ uri: rootUri, name: 'bpf' }] });
  await conn.sendNotification(InitializedNotification.type, {});
  return { conn, child };
}

function locs(result: unknown): Loc[] {
  const arr = Array.isArray(result) ? result : result ? [result] : [];
  return arr.map((d: { targetUri?: string; uri?: string; targetSelectionRange?: { start: Pos }; range?: { start: Pos } }) => ({
    file: fileURLToPath((d.targetUri ?? d.uri)!), line: (d.targetSelectionRange ?? d.range)!.start.line,
  }));
}

async function main(): Promise<void> {
  if (!dirArg) { console.error('usage: clangd-crosscheck.ts <bpf-dir> --out DIR [--clangd BIN] [--sites N] [--incoming N] [--list] [-DFLAG ...]'); process.exitCode = 2; return; }
  const root = path.resolve(dirArg);
  const objects = ['bpf_lxc.c', fs.existsSync(path.join(root, 'bpf_host.c')) ? 'bpf_host.c' : 'bpf_netdev.c', 'bpf_overlay.c'];
  fs.mkdirSync(outDir, { recursive: true });
  // Old trees include <stdint.h>/<stdio.h> and build without -nostdinc (a missing include is fatal to clangd).
  let makeBpf = '';
  try { makeBpf = fs.readFileSync(path.join(root, 'Makefile.bpf'), 'utf8'); } catch { /* none */ }
  // Without it, --target=bpf still needs the host's multiarch headers for glibc's <stdint.h>.
  const multiarch = ['/usr/include/x86_64-linux-gnu', '/usr/include/aarch64-linux-gnu'].find((d) => fs.existsSync(d));
  const nostdinc = makeBpf.includes('-nostdinc') ? ['-nostdinc'] : multiarch ? [`-idirafter${multiarch}`] : [];
  fs.writeFileSync(path.join(outDir, 'compile_commands.json'), JSON.stringify(objects.map((o) => ({
    directory: root, file: path.join(root, o),
    arguments: ['clang', '--target=bpf', '-std=gnu99', ...nostdinc, '-O2', `-I${root}`, `-I${path.join(root, 'include')}`,
      '-D__NR_CPUS__=2', '-ferror-limit=0', ...makefileOptions(root, o), ...extraFlags, '-c', path.join(root, o)],
  })), null, 1));
  const lineText = new Map<string, string[]>();
  const lineOf = (l: Loc) => {
    if (!lineText.has(l.file)) lineText.set(l.file, fs.readFileSync(l.file, 'utf8').split('\n'));
    return lineText.get(l.file)![l.line] ?? '';
  };
  const rel = (f: string) => path.relative(root, f);
  const isMacro = (l: Loc) => /^\s*#\s*define\b/.test(lineOf(l));

  const ours: LspSession = await startSession({ workspace: root, command: 'cli-bundle', requestTimeoutMs: 60_000 });
  const { conn: clangd, child } = await startClangd(root);
  const ask = <R>(method: string, params: unknown) => clangd.sendRequest(method, params) as Promise<R>;
  const tally = new Map<string, number>();
  const examples = new Map<string, string[]>();
  const note = (cls: string, what: string) => { tally.set(cls, (tally.get(cls) ?? 0) + 1); const e = examples.get(cls) ?? []; e.push(what); examples.set(cls, e); };
  // One entry per function definition clangd sees (two same-name definitions in #if branches are two).
  const calleesClangd = new Map<string, { file: string; name: string; pos: Pos; callees: Set<string> }>();
  let sites = 0;
  const headers = (headersArg ?? 'lib/l3.h,lib/local_delivery.h,lib/nodeport.h,lib/lxc.h,lib/policy.h,lib/encap.h,lib/nat.h,lib/conntrack.h')
    .split(',').filter((h) => h && fs.existsSync(path.join(root, h)));
  for (const object of [...objects, ...headers]) {
    const isHeader = object.endsWith('.h');
    const text = fs.readFileSync(path.join(root, object), 'utf8');
    const uri = pathToFileURL(path.join(root, object)).href;
    await clangd.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text } });
    await ours.open(object);
    // clangd builds the AST on open; documentSymbol waits for it.
    const symbols = (await ask<{ name: string; kind: number; range: { start: Pos; end: Pos }; selectionRange: { start: Pos; end: Pos } }[]>('textDocument/documentSymbol', { textDocument: { uri } })) ?? [];
    const fns = symbols.filter((s) => s.kind === 12);
    const enclosing = (p: Pos) => fns.find((f) => (f.range.start.line < p.line || (f.range.start.line === p.line && f.range.start.character <= p.character))
      && (p.line < f.range.end.line || (p.line === f.range.end.line && p.character <= f.range.end.character)));
    const code = codeOnly(text);
    const all: { name: string; at: number }[] = [];
    for (const m of code.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (!KEYWORDS.has(m[1])) all.push({ name: m[1], at: m.index! });
    const cap = isHeader ? Math.ceil(maxSites / 4) : maxSites;
    const step = Math.max(1, all.length / cap);
    const sample = all.filter((_, i) => Math.floor(i % step) === 0).slice(0, cap);
    for (const s of sample) {
      const pos = posAt(text, s.at + 1);
      const fn = enclosing(pos);
      if (!fn || fn.name === s.name) continue; // a top-level macro invocation or a definition's own name (BPF has no recursion)
      sites++;
      const [c, o] = await Promise.all([
        ask<unknown>('textDocument/definition', { textDocument: { uri }, position: pos }).then(locs),
        ours.request<unknown>('textDocument/definition', { textDocument: { uri }, position: pos }).then(locs),
      ]);
      const where = `${object}:${pos.line + 1} ${s.name} in ${fn.name}`;
      const helper = c.length > 0 && /\bBPF_FUNC\w*\s*\(/.test(lineOf(c[0]));
      // clangd without the declaration (a header parsed on its own, a builtin) answers with the implicit
      // declaration at a use of the name in the same file: a line that calls it rather than defines it.
      const implicit = c.length > 0 && c[0].file === path.join(root, object)
        && !new RegExp(`^(static|int|void|bool|__u\\d+|__s\\d+|__always_inline|inline|${s.name}\\b)|\\b(int|void|bool|__u\\d+|__always_inline|inline)\\s+\\**${s.name}\\s*\\(`).test(lineOf(c[0]).trim());
      const builtin = /^__(sync|atomic|builtin)_/.test(s.name);
      if (c.length && !isMacro(c[0]) && !helper && !implicit && !builtin) {
        const k = `${object}:${fn.selectionRange.start.line}:${fn.name}`;
        if (!calleesClangd.has(k)) calleesClangd.set(k, { file: object, name: fn.name, pos: fn.selectionRange.start, callees: new Set() });
        calleesClangd.get(k)!.callees.add(s.name);
      }
      if (builtin && !o.length) { note('builtin', where); continue; }
      if (c.length && o.some((x) => x.file === c[0].file && x.line === c[0].line)) {
        // A client that takes the first location lands elsewhere when we list several and clangd's is not first.
        if (o.length > 1 && !(o[0].file === c[0].file && o[0].line === c[0].line)) note('agree-not-first', `${where} → clangd ${rel(c[0].file)}:${c[0].line + 1}; ours ${o.map((x) => `${rel(x.file)}:${x.line + 1}`).join(',')}`);
        else note('agree', where);
        continue;
      }
      if (!c.length && !o.length) { note('clangd-none', where); continue; }
      if (implicit) { note('clangd-implicit', `${where} (ours ${o.map((x) => `${rel(x.file)}:${x.line + 1}`).join(',') || 'none'})`); continue; }
      if (!c.length && isHeader) { note('clangd-none-header', `${where} (ours ${o.map((x) => `${rel(x.file)}:${x.line + 1}`).join(',')})`); continue; }
      if (!c.length) { note('config', `${where} (clangd none; ours ${o.map((x) => `${rel(x.file)}:${x.line + 1}`).join(',')})`); continue; }
      if (!o.length) { note(helper ? 'ours-missing-helper' : 'ours-missing', `${where} → clangd ${rel(c[0].file)}:${c[0].line + 1}`); continue; }
      const sameName = o.every((x) => new RegExp(`\\b${s.name}\\b`).test(lineOf(x)));
      note(sameName ? 'config' : 'ours-other', `${where} → clangd ${rel(c[0].file)}:${c[0].line + 1}; ours ${o.map((x) => `${rel(x.file)}:${x.line + 1}`).join(',')}`);
    }
  }
  console.log(`definitions over ${sites} call sites in ${[...objects, ...headers].join(', ')}: ${[...tally].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const cls of ['agree-not-first', 'ours-missing', 'ours-missing-helper', 'ours-other', 'config', 'clangd-none', 'clangd-none-header', 'clangd-implicit', 'builtin']) {
    const e = examples.get(cls) ?? [];
    if (e.length) console.log(`  ${cls}:\n    ${e.slice(0, list ? Infinity : 15).join('\n    ')}`);
  }

  // Outgoing: clangd's direct callees (from its definitions) vs our `call` entries.
  const tailWrappers = new Set<string>(); // names our hierarchy shows as `tail call via NAME`
  let fnsCompared = 0, calleesClangdTotal = 0, calleesMatched = 0, calleesAsTail = 0;
  const missingOut: string[] = [];
  for (const [k, { file, pos, callees }] of calleesClangd) {
    // Prepared at the definition clangd saw, so the item is that definition (not a same-name one in another branch).
    const items = await ours.request<Item[] | null>('textDocument/prepareCallHierarchy', { textDocument: { uri: pathToFileURL(path.join(root, file)).href }, position: pos });
    const item = items?.find((i) => fileURLToPath(i.uri) === path.join(root, file) && i.selectionRange.start.line === pos.line)
      ?? items?.find((i) => fileURLToPath(i.uri) === path.join(root, file)) ?? items?.[0];
    if (!item) { missingOut.push(`${k}: no call hierarchy item`); continue; }
    const outs = (await ours.request<{ to: Item }[] | null>('callHierarchy/outgoingCalls', { item })) ?? [];
    const ourCallees = new Set(outs.filter((x) => /^call/.test(x.to.detail ?? '')).map((x) => x.to.name));
    // A call of a tail-call wrapper is a tail entry on our side (`tail call via tail_call_internal [...]`).
    const ourVia = new Set(outs.map((x) => /\bvia (\w+)/.exec(x.to.detail ?? '')?.[1]).filter(Boolean));
    for (const v of ourVia) if (/tail/.test(outs.find((x) => (x.to.detail ?? '').includes(`via ${v}`))?.to.detail ?? '')) tailWrappers.add(v!);
    fnsCompared++;
    for (const c of callees) {
      calleesClangdTotal++;
      if (ourCallees.has(c)) calleesMatched++;
      else if (ourVia.has(c)) calleesAsTail++;
      else missingOut.push(`${k} → ${c}`);
    }
  }
  console.log(`outgoing: ${fnsCompared} functions, clangd's direct callees found in ours ${calleesMatched}/${calleesClangdTotal}, as a tail entry (wrapper call) ${calleesAsTail}, missing ${calleesClangdTotal - calleesMatched - calleesAsTail}`);
  if (missingOut.length) console.log(`  missing:\n    ${missingOut.slice(0, list ? Infinity : 15).join('\n    ')}`);

  // Incoming: for a sample of callees, clangd's callers vs ours (direct calls).
  const calleeNames = [...new Set([...calleesClangd.values()].flatMap((s) => [...s.callees]))].sort();
  const stepI = Math.max(1, calleeNames.length / maxIncoming);
  let inWrappers = 0;
  let inCompared = 0, inClangd = 0, inMatched = 0, inOursOnly = 0;
  const inMissing: string[] = [];
  for (const name of calleeNames.filter((_, i) => Math.floor(i % stepI) === 0).slice(0, maxIncoming)) {
    // Prepare on a call of `name` in one of the objects (both servers resolve the definition from there).
    let prepared: { c?: Item; o?: Item } | undefined;
    for (const object of objects) {
      const text = fs.readFileSync(path.join(root, object), 'utf8');
      const m = new RegExp(`\\b${name}\\s*\\(`).exec(codeOnly(text));
      if (!m) continue;
      const uri = pathToFileURL(path.join(root, object)).href;
      const pos = posAt(text, m.index + 1);
      const c = (await ask<Item[] | null>('textDocument/prepareCallHierarchy', { textDocument: { uri }, position: pos }))?.[0];
      const oItems = await ours.request<Item[] | null>('textDocument/prepareCallHierarchy', { textDocument: { uri }, position: pos });
      const o = oItems?.find((i) => c && i.uri === c.uri && i.selectionRange.start.line === c.selectionRange.start.line) ?? oItems?.[0];
      prepared = { c, o };
      break;
    }
    if (!prepared?.c) continue;
    if (tailWrappers.has(name)) { inWrappers++; continue; } // its calls are our tail entries, not callers
    const cIn = (await ask<{ from: Item }[] | null>('callHierarchy/incomingCalls', { item: prepared.c })) ?? [];
    const oIn = prepared.o ? (await ours.request<{ from: Item }[] | null>('callHierarchy/incomingCalls', { item: prepared.o })) ?? [] : [];
    const cNames = new Set(cIn.map((x) => x.from.name));
    const oNames = new Set(oIn.filter((x) => /^call/.test(x.from.detail ?? '') || !/tail/.test(x.from.detail ?? '')).map((x) => x.from.name));
    inCompared++;
    for (const n of cNames) { inClangd++; if (oNames.has(n)) inMatched++; else inMissing.push(`${name} ← ${n}`); }
    for (const n of oNames) if (!cNames.has(n)) inOursOnly++;
  }
  console.log(`incoming: ${inCompared} functions, clangd's callers found in ours ${inMatched}/${inClangd}; callers only we list ${inOursOnly} (other #if branches, other objects, macro-expanded calls); ${inWrappers} tail-call wrappers skipped (we show their calls as tail entries)`);
  if (inMissing.length) console.log(`  missing:\n    ${inMissing.slice(0, list ? Infinity : 15).join('\n    ')}`);

  await ours.close();
  try { await clangd.sendRequest(ShutdownRequest.method, null); await clangd.sendNotification(ExitNotification.type); } catch { /* gone */ }
  setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  clangd.dispose();
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
