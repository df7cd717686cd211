// The browser server alone over stdio: what Claude Code inside a frame runs (scripts/bundle-cli.mjs
// bundles this file with the MCP SDK and zod into one script; playwright-core comes from the image).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { registerTools } from '../shared/define-tool.js';
import { BrowserSession } from './browser-session.js';
import { BROWSER_INSTRUCTIONS } from './server.js';
import { browserTools } from './tools.js';

const session = new BrowserSession({
  executablePath: process.env.OPTAGON_CHROMIUM ?? '/usr/bin/chromium',
  timeoutMs: Number(process.env.OPTAGON_BROWSER_TIMEOUT_MS ?? 5000),
});
const server = new McpServer(
  { name: 'optagon-browser', title: 'Optagon browser', version: '0.1.0' },
  { instructions: BROWSER_INSTRUCTIONS },
);
registerTools(server, session, browserTools);
await server.connect(new StdioServerTransport());
const stop = () => void session.close().finally(() => process.exit(0));
process.stdin.on('close', stop);
process.on('SIGTERM', stop);
