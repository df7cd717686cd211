import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { OptagonResults } from '../../../host/tool-results';

/** The session ended (expired, revoked, password changed): the page goes back to its login. */
export class SessionEnded extends Error {}

/**
 * The page as an MCP client of the daemon (`/mcp`): tools for everything it does, resource
 * notifications for what changes. The session's JWT is read per request, so a refreshed one is used
 * at once; a 401 ends the session.
 */
export class Optagon {
  private readonly watchers = new Map<string, Set<() => void>>();

  private constructor(private readonly client: Client) {
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      for (const w of this.watchers.get(n.params.uri) ?? []) w();
    });
  }

  static async connect(jwt: () => string, onEnded: (why: string) => void): Promise<Optagon> {
    const authed: typeof fetch = async (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${jwt()}`);
      const res = await fetch(input, { ...init, headers });
      if (res.status === 401) {
        const why =
          (
            (await res
              .clone()
              .json()
              .catch(() => ({}))) as { error?: string }
          ).error ?? 'the session ended';
        onEnded(why);
      }
      return res;
    };
    const client = new Client({ name: 'optagon-web', version: '0.1.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', location.origin), { fetch: authed }));
    return new Optagon(client);
  }

  /** A tool's structured answer, typed from the tool's output schema; its error text when it fails. */
  async call<N extends keyof OptagonResults>(name: N, args: Record<string, unknown> = {}): Promise<OptagonResults[N]> {
    const r = (await this.client.callTool({ name, arguments: args })) as {
      isError?: boolean;
      content?: Array<{ type: string; text?: string }>;
      structuredContent?: unknown;
    };
    if (r.isError) throw new Error(r.content?.find((c) => c.type === 'text')?.text ?? `${name} failed`);
    return r.structuredContent as OptagonResults[N];
  }

  /**
   * Calls `onChange` whenever the resource changes. A session that is not served resources (one
   * limited to some frames) is polled every few seconds instead. Returns the unsubscribe.
   */
  watch(uri: string, onChange: () => void): () => void {
    const set = this.watchers.get(uri) ?? new Set();
    this.watchers.set(uri, set);
    set.add(onChange);
    let poll: ReturnType<typeof setInterval> | undefined;
    this.client.subscribeResource({ uri }).catch(() => (poll = setInterval(onChange, 3000)));
    return () => {
      set.delete(onChange);
      clearInterval(poll);
    };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
