import type { McpModule } from '../shared/mcp-module.js';
import type { BrowserSession } from './browser-session.js';
import { browserTools } from './tools.js';

export const BROWSER_INSTRUCTIONS =
  'A headless Chromium to see what you build: browser_navigate to a URL (in a frame, http://localhost:3000), then browser_screenshot ' +
  '(a PNG) or browser_snapshot (the accessibility tree as text, cheaper), browser_click / browser_type / browser_scroll to act, ' +
  'browser_evaluate for JavaScript, browser_console for logs and errors.';

/** Browser vision as an MCP module; see servers/registry.ts for how modules are served. */
export const browserModule: McpModule<{ browser: BrowserSession }, BrowserSession> = {
  name: 'browser',
  title: 'Optagon browser',
  instructions: BROWSER_INSTRUCTIONS,
  services: (all) => all.browser,
  tools: browserTools,
};
