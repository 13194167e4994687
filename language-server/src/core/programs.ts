// Programs: a function whose marker macros expand (through the tree's own #defines) to an ELF section
// or a `tail:<map>/<slot>` BTF tag. The slot's *name* is found by tracing which marker argument lands
// in the section/tag (expand once per argument with a sentinel in its place), so a new marker macro
// needs no code change.
import type { MarkerFact } from './facts';
import { expand, evaluate, evaluateText, unquote, type ConstEnv, type MacroLookup } from './macros';
import { PROGRAM_ARRAYS, POLICY_ENTRY_PROGRAMS, type MapRole } from './loader-facts';
import { splitArgs, tokenize, tokensText, type Token, tok } from './tokens';

export interface ProgramDecl {
  kind: 'entry' | 'tail' | 'policy';
  section?: string;
  /** Program array the program goes into (tail and policy programs). */
  mapRole?: MapRole;
  mapName?: string;
  slot?: string;
  slotValue?: number;
  /** Set when the marker makes a program only under a condition (`declare_tailcall_if(COND, …)`). */
  markerCondition?: string;
  marker: MarkerFact;
}

interface MarkerExpansion { section?: string; tag?: string }

function attributeStrings(tokens: readonly Token[], attr: string): string | undefined {
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i].text !== attr || tokens[i + 1].text !== '(') continue;
    const parts: string[] = [];
    for (let k = i + 2; k < tokens.length && tokens[k].kind === 'str'; k++) parts.push(unquote(tokens[k].text));
    if (parts.length) return parts.join('');
  }
  return undefined;
}

function expandMarker(tokens: readonly Token[], macros: MacroLookup, assumeDefined: 0 | 1): MarkerExpansion & { usedAssumption: boolean } {
  const r = expand(tokens, macros, { assumeDefined, budget: 3000 });
  return { section: attributeStrings(r.tokens, 'section'), tag: attributeStrings(r.tokens, 'btf_decl_tag'), usedAssumption: r.usedAssumption };
}

const SENTINEL = 4242420;

export class ProgramAnalyzer {
  private slotParamCache = new Map<string, number | null>();
  /** Results by object + function + marker texts (valid while the macros are: the owner clears it). */
  private results = new Map<string, ProgramDecl | null>();

  analyzeCached(object: string, fnName: string, markers: readonly MarkerFact[], env: ConstEnv & { macros: MacroLookup }): ProgramDecl | undefined {
    const key = `${object}\0${fnName}\0${markers.map((m) => m.text).join('\0')}`;
    let r = this.results.get(key);
    if (r === undefined) {
      r = this.analyze(fnName, markers, env) ?? null;
      this.results.set(key, r);
    }
    // The marker's span moves with edits; the rest of the declaration does not.
    return r ? { ...r, marker: markers.find((m) => m.text === r!.marker.text) ?? r.marker } : undefined;
  }

  /** Which argument of a marker macro carries the slot (null: none does). */
  private slotParam(name: string, args: Token[][], macros: MacroLookup): number | null {
    const key = `${name}/${args.length}`;
    const cached = this.slotParamCache.get(key);
    if (cached !== undefined) return cached;
    let found: number | null = null;
    for (let i = 0; i < args.length && found === null; i++) {
      const toks: Token[] = [tok('id', name, -1, -1), tok('punct', '(', -1, -1)];
      args.forEach((a, k) => {
        if (k) toks.push(tok('punct', ',', -1, -1));
        if (k === i) toks.push(tok('num', String(SENTINEL + i), -1, -1));
        else toks.push(...a);
      });
      toks.push(tok('punct', ')', -1, -1));
      const e = expandMarker(toks, macros, 1);
      // The slot is what follows the last '/' of a numbered section or of a `tail:<map>/<slot>` tag.
      const mark = String(SENTINEL + i);
      if ((e.tag ?? '').endsWith('/' + mark) || (e.section ?? '').endsWith('/' + mark)) found = i;
    }
    this.slotParamCache.set(key, found);
    return found;
  }

  analyze(fnName: string, markers: readonly MarkerFact[], env: ConstEnv & { macros: MacroLookup }): ProgramDecl | undefined {
    for (const marker of markers) {
      const tokens = tokenize(marker.text);
      let e = expandMarker(tokens, env.macros, 1);
      let markerCondition: string | undefined;
      if (e.usedAssumption) {
        const off = expandMarker(tokens, env.macros, 0);
        const onHas = !!(e.section || e.tag);
        const offHas = !!(off.section || off.tag);
        if (onHas !== offHas) {
          // A program under one value of the switch only: label it with the switch argument, negated
          // when the program exists where that argument is 0 (`declare_tailcall_if(__not(…), …)` is
          // labelled `__not(…)`: the program is there when the argument evaluates to 1).
          const call = tokens[1]?.text === '(' ? splitArgs(tokens, 1) : undefined;
          const cond = call?.args.map((a) => tokensText(a)).find((a) => /is_defined|__and|__or|__not/.test(a));
          const value = cond === undefined ? undefined : switchValue(cond, env.macros, onHas ? 1 : 0);
          markerCondition = cond === undefined || value === undefined ? cond : value ? cond : `!(${cond})`;
        }
        if (!onHas) e = off;
      }
      if (!e.section && !e.tag) continue;
      // Data sections (".rodata.config", ".maps", "license") are not programs.
      if (!e.tag && e.section && (/^\./.test(e.section) || e.section === 'license' || e.section === 'maps')) continue;
      const call = tokens[1]?.text === '(' ? splitArgs(tokens, 1) : undefined;
      const slotIdx = call ? this.slotParam(tokens[0].text, call.args, env.macros) : null;
      const slotArg = slotIdx !== null && call ? tokensText(call.args[slotIdx]) : undefined;
      const decl: ProgramDecl = { kind: 'entry', section: e.section, marker, markerCondition };
      const tag = e.tag && /^tail:([^/]+)\/(.+)$/.exec(e.tag);
      const numbered = e.section && /^([^/]+)\/([^/]+)$/.exec(e.section);
      if (tag) {
        decl.kind = 'tail';
        decl.mapName = tag[1];
        decl.mapRole = 'calls';
        decl.slotValue = evaluateText(tag[2], env);
        decl.slot = slotArg;
      } else if (numbered && evaluateText(numbered[1], env) !== undefined) {
        const mapId = evaluateText(numbered[1], env)!;
        const array = PROGRAM_ARRAYS.find((a) => evaluateText(a.idMacro, env) === mapId);
        decl.mapRole = array?.role ?? 'calls';
        decl.mapName = array ? resolveMapName(array.names[0], env.macros) : undefined;
        decl.kind = decl.mapRole.startsWith('policy') ? 'policy' : 'tail';
        decl.slotValue = evaluateText(numbered[2], env);
        decl.slot = slotArg;
      } else if (e.section && /\/tail$/.test(e.section)) {
        decl.kind = 'tail';
        decl.slot = slotArg;
      } else if (POLICY_ENTRY_PROGRAMS[fnName]) {
        decl.kind = 'policy';
        decl.mapRole = POLICY_ENTRY_PROGRAMS[fnName];
      }
      return decl;
    }
    return undefined;
  }
}

/** Value (0/1) of an `is_defined` switch argument when every `is_defined(…)` in it is taken as `assumeDefined`. */
export function switchValue(cond: string, macros: MacroLookup, assumeDefined: 0 | 1): 0 | 1 | undefined {
  const r = expand(tokenize(cond), macros, { assumeDefined, budget: 2000 });
  if (r.truncated) return undefined;
  const v = evaluate(r.tokens, { macros: { get: () => undefined } });
  return v === undefined ? undefined : v ? 1 : 0;
}

/** The final name of a map as written at a site (`&CALLS_MAP` → `cilium_calls_lxc`). */
export function resolveMapName(text: string, macros: MacroLookup): string {
  const toks = expand(tokenize(text.replace(/^\s*&/, '')), macros, { budget: 200 }).tokens.filter((t) => t.text !== '&' && t.text !== '(' && t.text !== ')');
  return toks.length === 1 ? toks[0].text : tokensText(toks);
}
