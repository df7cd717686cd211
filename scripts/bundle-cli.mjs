// Bundles the compiled CLI (dist/cli/main.js and what it imports up front, commander included) into
// one CommonJS file, the package's `optagon` bin. Why: a quick command such as `optagon frame list`
// is mostly Node start-up, and on Node 20 loading ~20 small ES modules through the ESM loader costs
// about a fifth of it; one CommonJS file skips that loader. Heavy parts stay separate ES modules,
// imported lazily only by the commands that need them (the MCP SDK, the servers, the daemon).
// esbuild because it is the maintained, dependency-free bundler for exactly this, and takes ~20 ms.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/cli/optagon.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: [
    '@modelcontextprotocol/*',
    '../host/registry.js',
    '../servers/manager/optagon-client.js',
    '../servers/shared/global-config.js',
    '../host/daemon/daemon.js',
    '../servers/frames/frame-config-yaml.js',
    './dashboard/ui.js',
    '../web/auth/local-auth.js',
    '../web/auth/access-tokens.js',
    'qrcode',
  ],
  logLevel: 'warning',
});

// The browser MCP server alone, for Claude Code inside frames (servers/agents/claude-config.ts copies
// it into each frame's run directory): the MCP SDK and zod bundled in, playwright-core from the
// image. An ES module for its top-level await; `require` is provided for the CommonJS parts bundled in.
await build({
  entryPoints: ['dist/servers/browser/stdio.js'],
  outfile: 'dist/frame/browser-server.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  external: ['playwright-core'],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
