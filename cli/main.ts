#!/usr/bin/env node
import module from 'node:module';
// Node >= 22.1 can cache compiled modules on disk; start-up is most of a quick command's time.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
import { Command } from 'commander';
import { restrictUmask } from '../servers/shared/private-files.js';
import { registerAgentCommands } from './agent-commands.js';
import { registerContextCommands } from './context-commands.js';
import { registerTaskCommands } from './task-commands.js';
import { registerDashboardCommands } from './dashboard-commands.js';
import { registerAuthCommands } from './auth-commands.js';
import { registerFrameCommands } from './frame-commands.js';
import { setOutput } from './run.js';
import { registerDaemonCommands } from './daemon-commands.js';
import { registerSystemCommands } from './system-commands.js';

// What Optagon writes (state, logs, keys, config) is the user's only; see README, Files and configuration.
restrictUmask();

const program = new Command('optagon')
  .description('Optagon: isolated Podman dev environments (frames) with tmux, driven through MCP tools')
  .version('0.1.0')
  .option('--json', 'print raw tool results as JSON')
  .option('--embedded', 'run the servers in this process even when the daemon is running')
  .showHelpAfterError('(run with --help for usage)')
  .hook('preAction', (cmd) =>
    setOutput({ json: Boolean(cmd.optsWithGlobals().json), embedded: Boolean(cmd.optsWithGlobals().embedded) }),
  );

registerFrameCommands(program);
registerAgentCommands(program);
registerContextCommands(program);
registerTaskCommands(program);
registerDashboardCommands(program);
registerAuthCommands(program);
registerSystemCommands(program);
registerDaemonCommands(program);

// Not a top-level await: the published entry is a CommonJS bundle of this file (see scripts/bundle-cli.mjs).
void program.parseAsync(process.argv);
