import { OptagonHome } from '../servers/shared/optagon-home.js';
import { daemonUrl, findDaemon } from '../host/daemon/run-file.js';
import { readToken } from '../host/daemon/token.js';
import { connectDaemon } from './http-client.js';
import { daemonTls } from './pinned-tls.js';
import { connectEmbedded, ToolError, type OptagonTools } from './mcp-client.js';
import { red, untrustedText } from './render.js';

export interface Output {
  json: boolean;
  /** Run the servers in this process even when a daemon is up. */
  embedded: boolean;
}

let output: Output = { json: false, embedded: false };
export function setOutput(o: Output): void {
  output = o;
}
export function getOutput(): Output {
  return output;
}

/** The daemon when one runs for this home (and --embedded was not given), else the servers in-process. */
export async function connect(embedded: boolean): Promise<OptagonTools> {
  const home = new OptagonHome();
  const daemon = embedded ? undefined : findDaemon(home);
  if (!daemon) return connectEmbedded();
  // Over TLS the certificate the daemon serves is pinned, read from the file it names.
  return connectDaemon(daemonUrl(daemon), readToken(home.tokenFile), daemonTls(daemon));
}

/**
 * Runs one command against the tools and turns failures into a one-line message and exit code 1.
 * Expected failures (tool errors, bad input) print no stack trace; set OPTAGON_DEBUG=1 to see one.
 */
export async function run(body: (tools: OptagonTools, out: Output) => Promise<void>): Promise<void> {
  let tools: OptagonTools | undefined;
  try {
    tools = await connect(output.embedded);
    await body(tools, output);
  } catch (err) {
    fail((err as Error).message ?? String(err));
    if (process.env.OPTAGON_DEBUG && !(err instanceof ToolError)) console.error(err);
  } finally {
    await tools?.close().catch(() => {});
  }
}

/** Reports a failure the way every command does: one line (or `{"error"}` with --json), exit code 1. */
export function fail(message: string): void {
  if (output.json) process.stdout.write(JSON.stringify({ error: message }) + '\n');
  else process.stderr.write(`${red('error:')} ${untrustedText(message)}\n`); // messages quote paths, names, a frame's output
  process.exitCode = 1;
}
