import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from '../shared/define-tool.js';
import type { FramesServices } from './services.js';
import { frameTools } from './tools.js';

export const SERVER_VERSION = '0.1.0';

/** A fresh McpServer over shared services: one per MCP session, as in the SDK's examples. */
export function createFramesServer(services: FramesServices): McpServer {
  const server = new McpServer(
    { name: 'optagon-frames', title: 'Optagon frames', version: SERVER_VERSION },
    { instructions: 'Manage Optagon frames: isolated Podman dev environments with a shared tmux session. Start with frame_list.' },
  );
  registerTools(server, services, frameTools);
  return server;
}
