// The panel's HTML, built as a plain string so the extension (webview.html) and the Chromium test host
// serve exactly the same document. No vscode import here: the caller passes webview.cspSource and the
// asWebviewUri()-converted URIs. The page is a bare skeleton; dist/webview.js builds every view.

export interface PanelHtmlOptions {
  /**
   * webview.cspSource: where the script, codicon stylesheet and font are served from. Usually one
   * origin; some hosts (code-server) give a list such as "'self' https://*.vscode-cdn.net".
   */
  cspSource: string;
  /** A fresh random token per render (see makeNonce); only scripts carrying it may run. */
  nonce: string;
  /** URI of dist/webview.js. */
  scriptUri: string;
  /** URI of dist/codicon.css (codicon.ttf must sit next to it). */
  codiconCssUri: string;
  title?: string;
}

const NONCE_SHAPE = /^[A-Za-z0-9+/_-]{16,128}={0,2}$/;
// Each entry of the source list must be 'self' or a scheme/host source: nothing that could smuggle in
// another directive (;), a keyword such as 'unsafe-inline', or a bare wildcard.
const CSP_SOURCE_SHAPE = /^'self'$|^[A-Za-z][A-Za-z0-9+.-]*:(\/\/)?[^\s;,'"]+$/;

function isCspSourceList(value: string): boolean {
  const entries = value.trim().split(/\s+/);
  return value.trim() !== '' && entries.every((e) => CSP_SOURCE_SHAPE.test(e));
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A random nonce for the Content-Security-Policy (128 bits, base64url-ish alphabet). */
export function makeNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function renderPanelHtml(options: PanelHtmlOptions): string {
  const { nonce, scriptUri, codiconCssUri } = options;
  const cspSource = options.cspSource.trim().split(/\s+/).join(' ');
  if (!NONCE_SHAPE.test(nonce)) throw new Error(`renderPanelHtml: nonce must be 16-128 base64 characters, got ${JSON.stringify(nonce)}`);
  if (!isCspSourceList(options.cspSource)) throw new Error(`renderPanelHtml: cspSource is not a list of CSP host sources: ${JSON.stringify(cspSource)}`);
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Lit (vscode-elements) styles its shadow roots through constructable stylesheets; our own sheet goes
    // the same way, so no inline <style> and no 'unsafe-inline' are needed.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = escapeAttribute(options.title ?? 'Datapath Simulator');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${title}</title>
<link rel="stylesheet" href="${escapeAttribute(codiconCssUri)}" id="vscode-codicon-stylesheet">
</head>
<body>
<div id="app" class="app" aria-busy="true"></div>
<script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(scriptUri)}"></script>
</body>
</html>
`;
}
