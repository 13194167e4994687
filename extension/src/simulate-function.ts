// "Simulate From This Function" and the "▶ Simulate" code lenses: from a C function to a scenario whose
// trace passes through it, opened paused at the first step there. When no scenario does, say so and offer
// the nearest modelled caller or callee.
import * as vscode from 'vscode';
import { findFunctionDefinitions, functionAtLine, identifierAt } from './c-functions';
import { nearestModelled } from './graph-outline';
import type { ServerConnection } from './server-connection';
import { MODE_DESCRIPTIONS, modelledNameIndex, pickHitsPerScenario, scenarioSummaries, scenariosThrough } from './simulation';
import { SimulatorPanel, type PanelDependencies } from './simulator-panel';

export const SIMULATE_FUNCTION_COMMAND = 'dpnav.simulateFromFunction';

/** The function the user means: a modelled name under the cursor (e.g. a call), else the enclosing definition. */
export function functionAtCursor(editor: vscode.TextEditor): string | undefined {
  const position = editor.selection.active;
  const word = identifierAt(editor.document.lineAt(position.line).text, position.character);
  if (word && modelledNameIndex().has(word)) return word;
  return functionAtLine(findFunctionDefinitions(editor.document.getText()), position.line)?.name;
}

export async function simulateFromFunction(deps: PanelDependencies, server: ServerConnection, nameArgument?: unknown): Promise<void> {
  let fn = typeof nameArgument === 'string' ? nameArgument : undefined;
  if (!fn) {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage('Datapath: open a C file of the bpf/ tree and put the cursor in a function to simulate from.');
      return;
    }
    fn = functionAtCursor(editor);
    if (!fn) {
      void vscode.window.showWarningMessage('Datapath: the cursor is not inside a C function definition.');
      return;
    }
  }
  const hits = pickHitsPerScenario(scenariosThrough(fn), deps.mode.current);
  if (hits.length === 1) {
    SimulatorPanel.show(deps, { scenario: hits[0].scenario, mode: hits[0].mode, startStep: hits[0].stepIndex });
    return;
  }
  if (hits.length > 1) {
    const titles = new Map(scenarioSummaries().map((s) => [s.name, s.title]));
    const chosen = await vscode.window.showQuickPick(hits.map((hit) => ({
      label: titles.get(hit.scenario) ?? hit.scenario,
      description: `${hit.scenario} · ${hit.mode}`,
      detail: `paused at step ${hit.stepIndex + 1}, the first in ${fn}; ${MODE_DESCRIPTIONS[hit.mode]}`,
      hit,
    })), { title: `Scenarios through ${fn}`, placeHolder: 'Pick the scenario to simulate', matchOnDescription: true });
    if (chosen) SimulatorPanel.show(deps, { scenario: chosen.hit.scenario, mode: chosen.hit.mode, startStep: chosen.hit.stepIndex });
    return;
  }
  await offerNearest(deps, server, fn);
}

async function offerNearest(deps: PanelDependencies, server: ServerConnection, fn: string): Promise<void> {
  const index = modelledNameIndex();
  const graph = await server.graph();
  const near = graph ? nearestModelled(graph, fn, (name) => index.has(name) && scenariosThrough(name).length > 0) : undefined;
  if (!near) {
    const why = graph ? 'and no modelled function calls it or is called from it' : `and the call graph is unavailable (${server.state.message ?? 'no language server'})`;
    void vscode.window.showInformationMessage(`Datapath: no scenario passes through ${fn}, ${why}.`);
    return;
  }
  const hops = near.distance === 1 ? 'directly' : `${near.distance} calls away`;
  const relation = near.relation === 'caller' ? `its caller ${near.name} (${hops})` : `its callee ${near.name} (${hops})`;
  const action = `Simulate From ${near.name}`;
  const answer = await vscode.window.showInformationMessage(`Datapath: no scenario passes through ${fn}. The nearest modelled function is ${relation}.`, action);
  if (answer === action) await simulateFromFunction(deps, server, near.name);
}

/** "▶ Simulate" above every function definition the simulator models (by current name or an older one). */
export class SimulateCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('dpnav').get<boolean>('simulateCodeLens', true)) return [];
    const modelled = modelledNameIndex();
    return findFunctionDefinitions(document.getText())
      .filter((span) => modelled.has(span.name))
      .map((span) => new vscode.CodeLens(
        new vscode.Range(span.nameLine, span.nameColumn, span.nameLine, span.nameColumn + span.name.length),
        { title: '▶ Simulate', tooltip: `Step a packet through ${span.name} in the Datapath Simulator`, command: SIMULATE_FUNCTION_COMMAND, arguments: [span.name] },
      ));
  }
}
