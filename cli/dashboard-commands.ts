import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import type { OptagonTools } from './mcp-client.js';
import { dim } from './render.js';
import { run } from './run.js';

/**
 * Ink and React load only for these commands (an ES module of their own, apart from the CLI bundle).
 * Ink reads CI and CONTINUOUS_INTEGRATION once, as it loads, and when either is set it draws only the
 * last frame at exit: a dashboard opened in a terminal of a CI machine (or a shell that exports CI)
 * would stay blank. These commands run only on a terminal, so the variables are hidden while Ink loads.
 */
async function ui(): Promise<typeof import('./dashboard/ui.js')> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await import('./dashboard/ui.js');
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

/** Attaches this terminal to the frame's tmux session (at `window`, an agent's) until the user detaches. */
async function attachHere(tools: OptagonTools, frame: string, window?: string): Promise<void> {
  const { command } = await tools.call('frame_attach', { frame, ...(window ? { window } : {}) });
  // tmux runs in the frame (podman exec), so a tmux of the user's own around this terminal does not stop it nesting.
  const r = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit' });
  if (r.status !== 0)
    process.stderr.write(`could not attach to ${frame} (is it running? optagon frame start ${frame})\n`);
}

const needsTerminal = (what: string) => {
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new Error(`${what} needs a terminal; for scripts use optagon frame list --json`);
};

export function registerDashboardCommands(program: Command): void {
  program
    .command('dashboard')
    .description(
      'every frame, live: status, a failed setup, activity, CPU, memory and ports; start, stop, attach, open in Guake, logs (? for keys)',
    )
    .action(() =>
      run(async (tools) => {
        needsTerminal('the dashboard');
        await (await ui()).runDashboard(tools, (frame, window) => attachHere(tools, frame, window));
      }),
    );

  program
    .command('pick')
    .description(
      'fuzzy-pick a frame: it opens in Guake, or attaches here when Guake is not there (bind it to a key: see the README)',
    )
    .action(() =>
      run(async (tools) => {
        needsTerminal('the picker');
        const { frames } = await tools.call('frame_list');
        if (!frames.length) throw new Error('no frames yet: optagon frame create <name> -w <dir>');
        const chosen = await (await ui()).pickFrame(frames);
        if (!chosen) return;
        if (chosen.status !== 'running') {
          process.stderr.write(dim(`starting ${chosen.name}…\n`));
          await tools.call('frame_start', { frame: chosen.name });
        }
        try {
          await tools.call('guake_open_frame', { frame: chosen.name });
        } catch (err) {
          // No Guake on this desktop (or no desktop): the terminal the picker ran in attaches instead.
          if (!/Guake is not running|no D-Bus session bus/.test((err as Error).message)) throw err;
          await attachHere(tools, chosen.name);
        }
      }),
    );
}
