// Runs a CLI subcommand's run() in this process and captures what it prints. Only string writes are
// taken: node's test runner reports to its parent over this same stdout in binary chunks, which must
// pass through untouched (a test running beside this one may report while fn() is awaited).
export async function captureOutput(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = process.stdout.write;
  const log = console.log;
  const error = console.error;
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: string | Uint8Array, ...rest: unknown[]) {
    if (typeof chunk !== 'string') return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    out += chunk;
    return true;
  } as typeof process.stdout.write;
  console.log = (...a: unknown[]) => { out += a.join(' ') + '\n'; };
  console.error = (...a: unknown[]) => { err += a.join(' ') + '\n'; };
  try {
    return { code: await fn(), out, err };
  } finally {
    process.stdout.write = write;
    console.log = log;
    console.error = error;
  }
}
