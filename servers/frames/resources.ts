import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { FrameChange } from './frame-manager.js';
import { toFrameOutput } from './schemas.js';
import type { FramesServices } from './services.js';

const LIST_URI = 'frames://list';
const json = (uri: string, value: unknown) => ({
  contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value) }],
});

/**
 * `frames://list` and `frame://{name}` as MCP resources with subscriptions: a client subscribes once
 * and gets `notifications/resources/updated` on every change, so UIs never poll.
 */
export function installFrameResources(server: McpServer, s: FramesServices): void {
  server.registerResource(
    'frames',
    LIST_URI,
    {
      title: 'All frames',
      description: 'Every frame with its status, port and workspace (JSON).',
      mimeType: 'application/json',
    },
    async (uri) => json(uri.href, { frames: (await s.frames.list()).map(toFrameOutput) }),
  );
  server.registerResource(
    'frame',
    new ResourceTemplate('frame://{name}', {
      list: async () => ({
        resources: s.store
          .listFrames()
          .map((f) => ({ uri: `frame://${f.name}`, name: f.name, mimeType: 'application/json' })),
      }),
    }),
    { title: 'One frame', description: "A frame's details and recent events (JSON).", mimeType: 'application/json' },
    async (uri, { name }) => {
      const frame = await s.frames.get(String(name));
      return json(uri.href, { frame: toFrameOutput(frame), events: s.frames.events(frame.id, 20).events });
    },
  );

  const subscribed = new Set<string>();
  server.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    subscribed.add(req.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    subscribed.delete(req.params.uri);
    return {};
  });

  const onChange = (change: FrameChange) => {
    if (!server.isConnected()) return;
    for (const uri of [LIST_URI, `frame://${change.name}`]) {
      if (subscribed.has(uri)) server.server.sendResourceUpdated({ uri }).catch(() => {});
    }
    if (change.kind !== 'updated') server.sendResourceListChanged();
  };
  s.frames.changes.on('change', onChange);
  // One listener per session: drop it with the session, or a long-running daemon leaks them.
  const previous = server.server.onclose;
  server.server.onclose = () => {
    s.frames.changes.off('change', onChange);
    previous?.();
  };
}
