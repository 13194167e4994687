// The VS Code client of the eBPF Datapath Navigator. Activation stays cheap: it wires commands, views and
// the status bar and starts the language server without waiting for it; the server indexes the tree.
import { bundleLoadStart } from './activation-clock';
import * as vscode from 'vscode';
import { DatapathMode, userModes } from './datapath-mode';
import { simulatorModeFor } from '../../language-server/src/modes/modes';
import { DATAPATH_VIEW_ID, DatapathTreeProvider, REVEAL_PROGRAM_COMMAND } from './datapath-tree';
import { revealProgram } from './reveal';
import { C_DOCUMENT_SELECTOR, registerShowReferences, ServerConnection } from './server-connection';
import { MODE_DESCRIPTIONS, MODES, scenarioSummaries } from './simulation';
import { SIMULATE_FUNCTION_COMMAND, SimulateCodeLensProvider, simulateFromFunction } from './simulate-function';
import { SIMULATOR_VIEW_TYPE, SimulatorPanel, type PanelDependencies } from './simulator-panel';
import { DatapathStatusBar } from './status-bar';
import { NotesClient } from './notes';

// Top-level code of the entry module runs after every import is evaluated: the end of loading our bundle.
const bundleEvaluated = performance.now();

export interface DatapathNavigatorApi {
  /** Milliseconds from loading the bundle to the end of activate(). */
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): DatapathNavigatorApi {
  const activateStart = performance.now();
  const log = vscode.window.createOutputChannel('Datapath Navigator', { log: true });
  const server = new ServerConnection(context, log);
  const mode = new DatapathMode(context.workspaceState);
  mode.connect(server, log);
  let activationMs: number | undefined;
  const status = new DatapathStatusBar(server.state, mode.editorMode, () => activationMs);
  const notes = new NotesClient(server, mode);
  const deps: PanelDependencies = { extensionUri: context.extensionUri, server, mode, log, notes };
  const tree = new DatapathTreeProvider(server);
  const treeView = vscode.window.createTreeView(DATAPATH_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  tree.attach(treeView);
  tree.notesFor = (p) => (notes.current?.notes ?? []).filter((r) => r.status === 'attached' && r.note.target.kind === 'node'
    && r.note.target.function === p.name && r.note.target.file === p.file).map((r) => r.note.text);

  context.subscriptions.push(
    log, server, mode, status, tree, treeView,
    server.onDidChangeState((state) => { status.update(state); tree.onServerState(); }),
    mode.onDidChange(() => status.setMode(mode.editorMode)),
    registerShowReferences(),
    ...notes.register(),
    notes.onDidChange(() => { tree.refresh(); SimulatorPanel.active?.postNotes(); }),
    vscode.commands.registerCommand('dpnav.openSimulator', () => SimulatorPanel.show(deps, {})),
    vscode.commands.registerCommand(SIMULATE_FUNCTION_COMMAND, (name?: unknown) => simulateFromFunction(deps, server, name)),
    vscode.commands.registerCommand('dpnav.showTailCallGraph', async () => {
      // The graph as a tree in the Datapath view, and drawn in the panel's Tail calls tab.
      await vscode.commands.executeCommand(`${DATAPATH_VIEW_ID}.focus`);
      SimulatorPanel.show(deps, { withGraph: true });
    }),
    vscode.commands.registerCommand('dpnav.chooseScenario', () => chooseScenario(deps)),
    vscode.commands.registerCommand('dpnav.chooseMode', () => chooseMode(mode)),
    vscode.commands.registerCommand('dpnav.showLog', () => log.show(true)),
    vscode.commands.registerCommand(REVEAL_PROGRAM_COMMAND, async (program: { name: string; file?: string; line?: number }) => {
      const location = await revealProgram(server, program, tree.graphRoot, vscode.ViewColumn.One);
      if (!location.found) void vscode.window.showWarningMessage(`Datapath: cannot open ${program.name}: ${location.reason}`);
    }),
    vscode.languages.registerCodeLensProvider(C_DOCUMENT_SELECTOR, new SimulateCodeLensProvider()),
    vscode.window.registerWebviewPanelSerializer(SIMULATOR_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, persisted) => { SimulatorPanel.revive(panel, persisted, deps); },
    }),
    { dispose: () => SimulatorPanel.active?.dispose() },
  );

  void server.start();
  activationMs = performance.now() - bundleLoadStart;
  // Between loading the bundle and calling activate(), VS Code prepares the extension context (storage and
  // the like, over RPC); that wait is reported apart since the extension's code does not run meanwhile.
  log.info(`activated in ${activationMs.toFixed(1)} ms: evaluating the bundle ${(bundleEvaluated - bundleLoadStart).toFixed(1)} ms, `
    + `VS Code preparing the context ${(activateStart - bundleEvaluated).toFixed(1)} ms, activate body ${(performance.now() - activateStart).toFixed(1)} ms`);
  return { activationMs };
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the language server and close the panel.
}

async function chooseScenario(deps: PanelDependencies): Promise<void> {
  const picked = await vscode.window.showQuickPick(scenarioSummaries().map((s) => ({
    label: s.title, description: s.name, detail: s.description, name: s.name,
  })), { title: 'Datapath: Choose Scenario', placeHolder: `Scenario to simulate (mode: ${deps.mode.current})`, matchOnDescription: true, matchOnDetail: true });
  if (picked) SimulatorPanel.show(deps, { scenario: picked.name });
}

async function chooseMode(mode: DatapathMode): Promise<void> {
  const builtins = MODES.map((m) => ({ label: m, description: MODE_DESCRIPTIONS[m], picked: m === mode.editorMode, mode: m, user: undefined }));
  const users = userModes().map((u) => ({ label: u.name, description: u.description, picked: u.name === mode.editorMode, mode: undefined, user: u }));
  const picked = await vscode.window.showQuickPick([...builtins, ...users],
    { title: 'Datapath: Choose Datapath Mode', placeHolder: `Active: ${mode.editorMode}` });
  if (!picked) return;
  if (picked.mode) return mode.set(picked.mode);
  try {
    const simulateAs = simulatorModeFor(picked.user!.resolve());
    await mode.setUserMode(picked.label, simulateAs);
    void vscode.window.showInformationMessage(`Datapath: the editor uses mode ${picked.label}; the simulator runs the closest built-in mode, ${simulateAs}.`);
  } catch (err) {
    void vscode.window.showErrorMessage(`Datapath: mode ${picked.label}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
