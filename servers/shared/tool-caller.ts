import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

/** An expected tool failure (`isError`): the CLI prints its message, not a stack trace. */
export class ToolError extends Error {}

/**
 * A client of Optagon's tools. Typed with the tools' answers by name (ToolResults), `call` gives
 * each tool's own result type; untyped, any tool's answer is a plain object.
 */
export interface ToolCaller<R extends object = Record<string, Record<string, unknown>>> {
  call<N extends keyof R & string>(
    name: N,
    args?: Record<string, unknown>,
    onProgress?: (message: string, progress: number, total?: number) => void,
  ): Promise<R[N]>;
  /** Subscribes to an MCP resource: `onUpdated` runs on each of its notifications/resources/updated. */
  watch?(uri: string, onUpdated: () => void): Promise<void>;
  close(): Promise<void>;
}

const watchers = new WeakMap<Client, Map<string, () => void>>();

/** One notification handler per client, dispatching by resource URI; then the subscription itself. */
export async function watchResource(client: Client, uri: string, onUpdated: () => void): Promise<void> {
  let byUri = watchers.get(client);
  if (!byUri) {
    const { ResourceUpdatedNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const map = new Map<string, () => void>();
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => map.get(n.params.uri)?.());
    watchers.set(client, (byUri = map));
  }
  byUri.set(uri, onUpdated);
  await client.subscribeResource({ uri });
}

/** One tool call on a connected client; `isError` becomes a ToolError with the tool's message. */
export async function callTool<T>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  onProgress?: (message: string, progress: number, total?: number) => void,
): Promise<T> {
  const result = await client.callTool(
    { name, arguments: args },
    undefined,
    onProgress
      ? {
          onprogress: (p) => onProgress(p.message ?? '', p.progress, p.total),
          // Image builds take minutes; each progress message proves the call is alive.
          timeout: 15 * 60_000,
          resetTimeoutOnProgress: true,
        }
      : { timeout: 10 * 60_000 },
  );
  if (result.isError) {
    const text = (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
    throw new ToolError(text.replace(/^MCP error -?\d+: /, ''));
  }
  return result.structuredContent as T;
}
