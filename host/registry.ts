import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createProvider } from './llm/create-provider.js';
import { AgentManager } from '../servers/agents/agent-manager.js';
import { agentsModule } from '../servers/agents/server.js';
import { ContextService } from '../servers/context/context-service.js';
import { AutoIngest } from './auto-ingest.js';
import { createContextBackend } from '../servers/context/create-backend.js';
import { contextModule } from '../servers/context/server.js';
import { hostReach } from '../servers/browser/browser-reach.js';
import { BrowserSession } from '../servers/browser/browser-session.js';
import { browserModule } from '../servers/browser/server.js';
import { framesModule } from '../servers/frames/server.js';
import { GuakeRemote } from '../servers/guake/guake-remote.js';
import { guakeModule } from '../servers/guake/server.js';
import { managerModule } from '../servers/manager/server.js';
import { TaskService } from '../servers/manager/task-service.js';
import { TaskStore } from '../servers/manager/task-store.js';
import { connectInProcess } from '../servers/manager/optagon-client.js';
import { createFramesServices, type FramesServices } from '../servers/frames/services.js';
import { registerTools, type AnyTool, type ToolAccess } from '../servers/shared/define-tool.js';
import type { McpModule } from '../servers/shared/mcp-module.js';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { openSharedState, type SharedState } from '../servers/shared/shared-state.js';
import { FrameTmux } from '../servers/tmux/frame-tmux.js';
import { tmuxModule } from '../servers/tmux/server.js';

export const SERVER_VERSION = '0.1.0';

/** Domain services shared by every MCP session of one process (daemon, stdio or in-process). */
export interface OptagonServices {
  home: OptagonHome;
  /** config.yaml and the state database, shared by every capability. */
  state: SharedState;
  frames: FramesServices;
  tmux: FrameTmux;
  agents: AgentManager;
  context: ContextService;
  manager: TaskService;
  browser: BrowserSession;
  guake: GuakeRemote;
  /** Agent turns and workspace commits remembered by themselves; started by the daemon. */
  autoIngest: AutoIngest;
  close(): Promise<void>;
}

export function createServices(home = new OptagonHome()): OptagonServices {
  const state = openSharedState(home);
  const { config } = state;
  const frames = createFramesServices(state);
  const tmux = new FrameTmux(frames.frames);
  const context = new ContextService(createContextBackend(home, config, createProvider), frames.frames, frames.store);
  const agents = new AgentManager({
    frames: frames.frames,
    store: frames.store,
    tmux,
    home,
    curate: async (frame, task) => (await context.curate(frame.id, task, {})).text,
  });
  const services: OptagonServices = {
    home,
    state,
    frames,
    tmux,
    agents,
    context,
    // The manager is an MCP host: each task gets its own client of these same servers.
    manager: new TaskService({
      frames: frames.frames,
      store: new TaskStore(state.db),
      llm: () => config.llm,
      createProvider,
      connect: () => connectInProcess(createMcpServer(services)),
    }),
    // Started on first use: a daemon that never browses runs no Chromium.
    browser: new BrowserSession({
      executablePath: config.browser.executable_path,
      timeoutMs: config.browser.timeout_ms,
      runAs: config.browser.run_as,
      // The host's browser opens the running frames' ports, and only the origins the config adds.
      reach: hostReach({
        framePorts: () =>
          frames.store.listFrames().flatMap((f) => (f.status === 'running' && f.hostPort ? [f.hostPort] : [])),
        bindAddress: config.frames.bind_address,
        allowedOrigins: config.browser.allowed_origins,
      }),
    }),
    guake: new GuakeRemote(frames.frames),
    autoIngest: new AutoIngest({ frames: frames.frames, store: frames.store, agents, context }),
    async close() {
      services.autoIngest.stop();
      await services.manager.close();
      await services.browser.close();
      frames.close();
      await context.backend.close();
      state.close();
    },
  };
  return services;
}

/** Every capability, in the order `tools/list` shows them. */
export const modules: ReadonlyArray<McpModule<OptagonServices, any>> = [
  framesModule,
  tmuxModule,
  agentsModule,
  contextModule,
  managerModule,
  browserModule,
  guakeModule,
];

export function moduleNames(): string[] {
  return modules.map((m) => m.name);
}

function pick(only?: string): ReadonlyArray<McpModule<OptagonServices, any>> {
  if (!only || only === 'all') return modules;
  const found = modules.filter((m) => m.name === only);
  if (!found.length)
    throw new Error(`no MCP server named '${only}'; the servers are: all, ${moduleNames().join(', ')}`);
  return found;
}

/**
 * A fresh McpServer over the shared services, one per MCP session as in the SDK's examples:
 * all modules together, or only the one named; with `access`, limited to what a remote session may do.
 */
export function createMcpServer(services: OptagonServices, only?: string, access?: ToolAccess): McpServer {
  const chosen = pick(only);
  const single = only && only !== 'all' ? chosen[0] : undefined;
  const server = new McpServer(
    { name: single ? `optagon-${single.name}` : 'optagon', title: single?.title ?? 'Optagon', version: SERVER_VERSION },
    {
      instructions: chosen.map((m) => m.instructions).join('\n'),
      capabilities: { resources: { subscribe: true, listChanged: true } },
    },
  );
  for (const m of chosen) {
    const s = m.services(services);
    registerTools(server, s, m.tools, access);
    // Resources show every frame: not to a session limited to some.
    if (!access || access.everyFrame) m.install?.(server, s);
  }
  return server;
}

/** A tool by name with the services it runs over, for the REST mirror. */
export function findTool(
  services: OptagonServices,
  name: string,
): { tool: AnyTool<unknown>; deps: unknown } | undefined {
  for (const m of modules) {
    const tool = m.tools.find((t) => t.name === name);
    if (tool) return { tool, deps: m.services(services) };
  }
  return undefined;
}

export function allTools(): AnyTool<unknown>[] {
  return modules.flatMap((m) => m.tools as AnyTool<unknown>[]);
}
