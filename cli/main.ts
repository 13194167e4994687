// dpnav: the command-line face of the analysis core and the simulator.
// Each subcommand lives in its own module exporting `run(argv): Promise<number>` (the exit status).
type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  graph: { summary: 'graph <bpf-dir> [--format json|dot|mermaid]   tail-call graph of a Cilium bpf/ tree', load: () => import('./graph') },
  trace: { summary: 'trace --scenario <name|file> [--mode …] [--format …]   step a packet through the datapath model', load: () => import('./trace') },
  scenarios: { summary: 'scenarios   list the built-in scenarios', load: () => import('./scenarios') },
  lsp: { summary: 'lsp --stdio   run the language server on stdio (for any LSP editor)', load: () => import('./lsp') },
};

function usage(): string {
  return ['usage: dpnav <command> [options]', '', 'commands:', ...Object.values(commands).map((c) => '  ' + c.summary)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`dpnav: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await cmd.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`dpnav: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
