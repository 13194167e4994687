// Workspace Trust: which `dpnav.*` settings a workspace may set. The manifest lists the restricted ones in
// capabilities.untrustedWorkspaces.restrictedConfigurations, and VS Code withholds their workspace values in
// Restricted Mode. Every read of a restricted setting in the extension goes through settingValue() as well,
// which applies the same rule itself (checking vscode.workspace.isTrusted), so the rule holds in any host and
// for values the extension forwards to the language server. Kept free of `vscode` so it can be unit-tested.

/** Settings (under `dpnav.`) whose workspace values are ignored in an untrusted workspace: they name files
 *  and folders to read (bpfRoot, notesFile, modeHeaders) or change what the editor shows as compiled (modes). */
export const RESTRICTED_SETTINGS: readonly string[] = ['bpfRoot', 'notesFile', 'modes', 'modeHeaders'];

/** The part of vscode.WorkspaceConfiguration.inspect()'s answer this module needs. */
export interface InspectedSetting<T = unknown> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/** Where settings come from: the resolved value and inspect() of one `dpnav` key, and the workspace's trust. */
export interface SettingsSource {
  get(key: string): unknown;
  inspect(key: string): InspectedSetting | undefined;
  trusted: boolean;
}

/**
 * The value of `dpnav.<key>` to use: what VS Code resolved, except for a restricted key in an untrusted
 * workspace, where only the user's own (global) value or the default counts.
 */
export function settingValue<T>(source: SettingsSource, key: string): T | undefined {
  if (source.trusted || !RESTRICTED_SETTINGS.includes(key)) return source.get(key) as T | undefined;
  const inspected = source.inspect(key) as InspectedSetting<T> | undefined;
  return inspected?.globalValue ?? inspected?.defaultValue;
}

/** The `dpnav` section as sent to the language server (initializationOptions, didChangeConfiguration). */
export function serverSection(source: SettingsSource, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = settingValue(source, key);
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}
