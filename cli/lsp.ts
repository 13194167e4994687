// `dpnav lsp --stdio`: the same language server as dist/server.js, in this process, for editors other
// than VS Code (Neovim, Emacs, Helix…) and for tests.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../language-server/src/server/server';

const TRANSPORTS = ['--stdio', '--node-ipc'];

export async function run(argv: string[]): Promise<number> {
  const transport = argv.find((a) => TRANSPORTS.includes(a) || a.startsWith('--socket=') || a.startsWith('--pipe='));
  const unknown = argv.filter((a, i) => a !== transport && !a.startsWith('--clientProcessId')
    && argv[i - 1] !== '--clientProcessId');
  if (!transport || unknown.length) {
    const what = unknown.length ? `unknown argument '${unknown[0]}'` : 'no transport given';
    console.error(`dpnav lsp: ${what}\nusage: dpnav lsp --stdio | --node-ipc | --socket=PORT | --pipe=NAME`);
    return 2;
  }
  // createConnection reads the transport from process.argv, which holds the same arguments.
  const connection = createConnection(ProposedFeatures.all);
  startServer(connection);
  // The connection exits the process on `exit` or when the client goes away; until then stay alive.
  return new Promise<number>(() => {});
}
