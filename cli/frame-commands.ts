import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { registerFrameConfigCommands } from './frame-config-commands.js';
import { eventsTable, frameDetails, frameLine, framesTable, portPairs, runSummary } from './frame-view.js';
import { count } from './options.js';
import { run, type Output } from './run.js';
import { bold, bytes, dim, printJson, untrusted, untrustedText } from './render.js';

export function registerFrameCommands(program: Command): void {
  const frame = program.command('frame').description('create, run and reach frames (isolated Podman dev environments)');

  frame
    .command('create <name>')
    .description('register a frame for a project directory (mounted at /workspace)')
    .requiredOption('-w, --workspace <path>', 'project directory on this host')
    .option('-d, --description <text>', 'what the frame is for')
    .option('--start', 'start it right away')
    .action((name: string, opts: { workspace: string; description?: string; start?: boolean }) =>
      run(async (tools, out: Output) => {
        const args = {
          name,
          workspace: resolve(opts.workspace),
          ...(opts.description ? { description: opts.description } : {}),
        };
        let { frame: f } = await tools.call('frame_create', args);
        if (opts.start) {
          if (!out.json) process.stderr.write(dim(`starting ${f.name}…\n`));
          f = (await tools.call('frame_start', { frame: f.id })).frame;
        }
        if (out.json) return printJson({ frame: f });
        console.log(`Created ${frameLine(f)}`);
        console.log(`  workspace ${untrusted(f.workspace)} → /workspace, port ${f.hostPort} → 3000`);
        console.log(
          f.status === 'running' ? `  attach: optagon frame attach ${f.name}` : `  next: optagon frame start ${f.name}`,
        );
      }),
    );

  for (const [verb, tool, done] of [
    ['start', 'frame_start', 'running'],
    ['stop', 'frame_stop', 'stopped'],
    ['restart', 'frame_restart', 'running'],
  ] as const) {
    frame
      .command(`${verb} <frame>`)
      .description(
        `${verb} a frame${verb === 'stop' ? ' (its container and state are kept)' : ' and wait for its tmux session'}`,
      )
      .action((ref: string) =>
        run(async (tools, out) => {
          const { frame: f } = await tools.call(tool, { frame: ref });
          if (out.json) return printJson({ frame: f });
          console.log(frameLine(f));
          if (f.ports.length > 1) console.log(`  ports ${portPairs(f.ports)}`);
          if (done === 'running') console.log(`  attach: optagon frame attach ${f.name}`);
        }),
      );
  }

  frame
    .command('list')
    .alias('ls')
    .description('all frames, with status checked against Podman')
    .option('-s, --status <status>', 'only frames with this status')
    .action((opts: { status?: string }) =>
      run(async (tools, out) => {
        const { frames } = await tools.call('frame_list', opts.status ? { status: opts.status } : {});
        if (out.json) return printJson({ frames });
        if (!frames.length)
          return console.log(dim('no frames yet; create one: optagon frame create <name> --workspace <dir>'));
        console.log(framesTable(frames));
      }),
    );

  frame
    .command('get <frame>')
    .alias('show')
    .description("a frame's details: ports, setup, start commands, what it runs with, recent events")
    .option('-n, --events <n>', 'recent events to show', count, 10)
    .action((ref: string, opts: { events: number }) =>
      run(async (tools, out) => {
        const r = await tools.call('frame_get', {
          frame: ref,
          events: opts.events,
        });
        if (out.json) return printJson(r);
        console.log(frameDetails(r));
      }),
    );

  frame
    .command('run <frame> <name>')
    .description("(re)start one of the frame's start commands in its window, or with 'setup' run the setup again")
    .action((ref: string, name: string) =>
      run(async (tools, out) => {
        const r = await tools.call('frame_run', { frame: ref, name });
        if (out.json) return printJson(r);
        console.log(runSummary(r, name));
      }),
    );

  frame
    .command('attach <frame>')
    .description("attach this terminal to the frame's tmux session (detach with C-b d)")
    .option('-p, --print', 'print the attach commands instead of attaching')
    .action((ref: string, opts: { print?: boolean }) =>
      run(async (tools, out) => {
        const a = await tools.call('frame_attach', { frame: ref });
        if (out.json) return printJson(a);
        if (opts.print || !process.stdout.isTTY || !process.stdin.isTTY) {
          console.log(untrusted(a.commandLine));
          if (opts.print)
            console.log(
              dim(
                `# the host socket is ${untrusted(a.socket)}: do not attach to it from the host (a tmux server controls its clients)`,
              ),
            );
          return;
        }
        if (a.frame.status !== 'running') {
          throw new Error(
            `frame '${a.frame.name}' is ${a.frame.status}; start it first: optagon frame start ${a.frame.name}`,
          );
        }
        await tools.close();
        const r = spawnSync(a.command[0]!, a.command.slice(1), { stdio: 'inherit' });
        process.exitCode = r.status ?? 1;
      }),
    );

  frame
    .command('destroy <frame>')
    .alias('rm')
    .description('remove the container, socket and state, free the port; the workspace is never touched')
    .option('-f, --force', 'stop and remove a running frame')
    .action((ref: string, opts: { force?: boolean }) =>
      run(async (tools, out) => {
        const r = await tools.call('frame_destroy', {
          frame: ref,
          force: Boolean(opts.force),
        });
        if (out.json) return printJson(r);
        console.log(
          `Destroyed ${bold(untrusted(r.destroyed.name))}; port ${r.destroyed.hostPort} is free; ${untrusted(r.destroyed.workspace)} is untouched`,
        );
      }),
    );

  frame
    .command('logs <frame>')
    .description("the frame container's log")
    .option('-n, --tail <n>', 'how many lines', count, 100)
    .action((ref: string, opts: { tail: number }) =>
      run(async (tools, out) => {
        const r = await tools.call('frame_logs', { frame: ref, tail: opts.tail });
        if (out.json) return printJson(r);
        if (r.lines.length)
          console.log(untrustedText(r.lines.join('\n'))); // the frame's own output
        else console.error(dim('no log yet (the frame has not started)'));
      }),
    );

  frame
    .command('events <frame>')
    .description("a frame's lifecycle events")
    .option('-n, --limit <n>', 'how many', count, 50)
    .action((ref: string, opts: { limit: number }) =>
      run(async (tools, out) => {
        const r = await tools.call('frame_events', { frame: ref, limit: opts.limit });
        if (out.json) return printJson(r);
        console.log(eventsTable(r.events));
      }),
    );

  frame
    .command('stats <frame>')
    .description('CPU and memory of a running frame')
    .action((ref: string) =>
      run(async (tools, out) => {
        const r = await tools.call('frame_stats', { frame: ref });
        if (out.json) return printJson(r);
        console.log(
          `cpu ${r.cpuPercent.toFixed(1)}%  memory ${bytes(r.memUsageBytes)} of ${bytes(r.memLimitBytes)} (${r.memPercent.toFixed(1)}%)  processes ${r.pids}`,
        );
      }),
    );

  registerFrameConfigCommands(frame);
}
