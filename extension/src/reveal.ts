// Opening the C source a step or a program stands for. Locations come from the language server (which knows
// the user's tree, whatever its Cilium version); a reveal only ever opens files inside the workspace, and
// every failure comes back as a reason the panel shows next to the step.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LocateParams } from '../../language-server/src/server/protocol';
import type { StepLocation } from '../../webview/src/protocol';
import { toRange, type ServerConnection } from './server-connection';

/** Is `uri` a file inside one of the open workspace folders? */
export function isInsideWorkspace(uri: vscode.Uri): boolean {
  if (uri.scheme !== 'file') return false;
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return false;
  const rel = path.relative(folder.uri.fsPath, uri.fsPath);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The editor column next to the panel, so the source and the simulator stay side by side. */
export function columnBeside(panelColumn: vscode.ViewColumn | undefined): vscode.ViewColumn {
  return panelColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
}

/** Opens `uri` and selects the whole of the 0-based `line`, revealing `focus` (defaults to that line). */
export async function openAndSelectLine(uri: vscode.Uri, line: number, column: vscode.ViewColumn, focus?: vscode.Range): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uri);
  const safeLine = Math.min(Math.max(0, line), document.lineCount - 1);
  const editor = await vscode.window.showTextDocument(document, { viewColumn: column, preserveFocus: false, preview: true });
  const text = document.lineAt(safeLine);
  editor.selection = new vscode.Selection(safeLine, text.firstNonWhitespaceCharacterIndex, safeLine, text.range.end.character);
  editor.revealRange(focus ?? text.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}

/** Finds a step's function (and the anchored call in it) through the server, opens it, selects the line. */
export async function revealStepSource(server: ServerConnection, params: LocateParams, column: vscode.ViewColumn): Promise<StepLocation> {
  const result = await server.locate(params);
  if (!result.found) return { found: false, reason: result.reason };
  const uri = vscode.Uri.parse(result.uri);
  if (!isInsideWorkspace(uri)) return { found: false, reason: `${result.matchedName} is in ${uri.fsPath || uri.toString()}, outside the workspace; not opened` };
  const functionRange = toRange(result.range);
  const callRange = result.callRange ? toRange(result.callRange) : undefined;
  const line = (callRange ?? functionRange).start.line;
  await openAndSelectLine(uri, line, column, callRange ? functionRange.union(callRange) : functionRange);
  return {
    found: true,
    file: vscode.workspace.asRelativePath(uri, false),
    line: functionRange.start.line + 1,
    function: params.function,
    matchedName: result.matchedName,
    callLine: callRange ? callRange.start.line + 1 : undefined,
  };
}

/** Opens a program of the graph: by its recorded file and line when the graph root is known, else by name. */
export async function revealProgram(server: ServerConnection, program: { name: string; file?: string; line?: number },
  graphRoot: string | undefined, column: vscode.ViewColumn): Promise<StepLocation> {
  if (program.file && program.line && graphRoot) {
    const uri = vscode.Uri.file(path.resolve(graphRoot, program.file));
    const rel = path.relative(graphRoot, uri.fsPath);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return { found: false, reason: `${program.file} is outside the bpf/ tree; not opened` };
    if (!isInsideWorkspace(uri)) return { found: false, reason: `${uri.fsPath} is outside the workspace; not opened` };
    await openAndSelectLine(uri, program.line - 1, column);
    return { found: true, file: vscode.workspace.asRelativePath(uri, false), line: program.line, function: program.name, matchedName: program.name };
  }
  return revealStepSource(server, { function: program.name }, column);
}
