import { connectEmbedded, ToolError, type ToolCaller } from './mcp-client.js';
import { red } from './render.js';

export interface Output {
  json: boolean;
}

let output: Output = { json: false };
export function setOutput(o: Output): void {
  output = o;
}

/**
 * Runs one command against the tools and turns failures into a one-line message and exit code 1.
 * Expected failures (tool errors, bad input) print no stack trace; set OPTAGON_DEBUG=1 to see one.
 */
export async function run(body: (tools: ToolCaller, out: Output) => Promise<void>): Promise<void> {
  let tools: ToolCaller | undefined;
  try {
    tools = await connectEmbedded();
    await body(tools, output);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (output.json) process.stdout.write(JSON.stringify({ error: message }) + '\n');
    else process.stderr.write(`${red('error:')} ${message}\n`);
    if (process.env.OPTAGON_DEBUG && !(err instanceof ToolError)) console.error(err);
    process.exitCode = 1;
  } finally {
    await tools?.close().catch(() => {});
  }
}
