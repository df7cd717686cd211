#!/usr/bin/env node
import module from 'node:module';
// Node >= 22.1 can cache compiled modules on disk; start-up is most of a quick command's time.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
import { Command } from 'commander';
import { registerFrameCommands } from './frame-commands.js';
import { setOutput } from './run.js';
import { registerSystemCommands } from './system-commands.js';

const program = new Command('optagon')
  .description('Optagon: isolated Podman dev environments (frames) with tmux, driven through MCP tools')
  .version('0.1.0')
  .option('--json', 'print raw tool results as JSON')
  .showHelpAfterError('(run with --help for usage)')
  .hook('preAction', (cmd) => setOutput({ json: Boolean(cmd.optsWithGlobals().json) }));

registerFrameCommands(program);
registerSystemCommands(program);

await program.parseAsync(process.argv);
