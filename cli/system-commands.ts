import type { Command } from 'commander';
import { printMcpConfig } from './daemon-commands.js';
import { fail, run } from './run.js';
import { bold, dim, green, printJson, red, untrusted, yellow } from './render.js';

export function registerSystemCommands(program: Command): void {
  const image = program.command('image').description('the frame image');
  image
    .command('build')
    .description('build the frame image (skipped when its inputs are unchanged)')
    .option('-f, --force', 'rebuild even when nothing changed')
    .action((opts: { force?: boolean }) =>
      run(async (tools, out) => {
        const started = Date.now();
        const r = await tools.call('frame_image_build', { force: Boolean(opts.force) }, (message, progress, total) => {
          if (out.json) return;
          const secs = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
          const step = total ? `[${Math.min(progress, total)}/${total}] ` : '';
          process.stderr.write(`${dim(`${secs}s`)} ${step}${untrusted(message)}\n`);
        });
        if (out.json) return printJson(r);
        console.log(
          r.skipped
            ? `${bold(untrusted(r.image))} is up to date (inputs ${untrusted(r.hash)}); use --force to rebuild`
            : `Built ${bold(untrusted(r.image))} from ${untrusted(r.base)} in ${(r.durationMs / 1000).toFixed(0)}s (inputs ${r.hash})`,
        );
      }),
    );
  image
    .command('status')
    .description('whether the frame image exists and matches its inputs')
    .action(() =>
      run(async (tools, out) => {
        const r = await tools.call('frame_image_status');
        if (out.json) return printJson(r);
        console.log(
          `${bold(untrusted(r.image))}: ${!r.exists ? red('not built') : r.upToDate ? green('up to date') : yellow('out of date')}${r.hash ? dim(` (${r.hash})`) : ''}`,
        );
        if (!r.upToDate) console.log(`  run: optagon image build`);
      }),
    );

  program
    .command('doctor')
    .description('check podman, tmux, the image, sockets and ports; probe runtime flags and save them')
    .action(() =>
      run(async (tools, out) => {
        const r = await tools.call('frame_doctor');
        if (out.json) printJson(r);
        else {
          const mark: Record<string, string> = { ok: green('ok  '), warn: yellow('warn'), fail: red('FAIL') };
          for (const c of r.checks) {
            console.log(`${mark[c.status]} ${bold(untrusted(c.name).padEnd(12))} ${untrusted(c.detail)}`);
            if (c.fix && c.status !== 'ok') console.log(`     ${' '.repeat(12)} fix: ${untrusted(c.fix)}`);
          }
        }
        if (!r.ok) process.exitCode = 1;
      }),
    );

  program
    .command('mcp [server]')
    .description(
      `serve Optagon's MCP tools over stdio to hosts that spawn servers; server: all (default) or one of the servers; \`mcp config\` prints the lines to connect Claude Code to the daemon`,
    )
    .action(async (server = 'all') => {
      if (server === 'config') return printMcpConfig();
      const [{ StdioServerTransport }, { createServices, createMcpServer }] = await Promise.all([
        import('@modelcontextprotocol/sdk/server/stdio.js'),
        import('../host/registry.js'),
      ]);
      const services = createServices();
      let mcpServer;
      try {
        mcpServer = createMcpServer(services, server);
      } catch (err) {
        services.close();
        return fail((err as Error).message);
      }
      await mcpServer.connect(new StdioServerTransport());
      process.stdin.on('close', () => void mcpServer.close().finally(() => services.close()));
    });
}
