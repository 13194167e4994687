// Entry point of the language server (bundled to dist/server.js). createConnection picks the transport
// from argv: --node-ipc (the VS Code client), --stdio (other editors, tests), --socket=N, --pipe=NAME.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
