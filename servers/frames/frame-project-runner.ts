import { existsSync } from 'node:fs';
import type { GlobalConfig } from '../shared/global-config.js';
import { readBeneath, UnsafeFileError } from '../shared/read-beneath.js';
import type { CommandResult } from '../shared/run-command.js';
import {
  commandScripts,
  commandStates,
  launchArgv,
  parseSetupStatus,
  runArgv,
  SETUP_STATUS_IN_FRAME,
  SETUP_WINDOW,
  windowsArgv,
  type CommandState,
} from './frame-commands.js';
import type { FrameConfig } from './frame-config.js';
import type { FrameFile } from './frame-exec.js';
import { frameProject, type FrameProject } from './frame-project.js';
import { readDevcontainer, type DevcontainerValues } from './devcontainer.js';
import type { FrameRecord, StateStore } from './state-store.js';

/** How the setup went: running (its window is up), or its exit (step: the command that failed). */
export interface SetupState {
  state: 'running' | 'succeeded' | 'failed';
  exitCode?: number;
  step?: number;
  at: number;
}

export interface ProjectRunnerDeps {
  store: StateStore;
  config: GlobalConfig;
  socketDir(frameId: string): string;
  exec(frame: FrameRecord, argv: string[]): Promise<CommandResult>;
  writeFiles(frame: FrameRecord, files: readonly FrameFile[]): Promise<void>;
}

/**
 * The host's side of a frame's setup and start commands: what the frame runs with (its config, else
 * its devcontainer.json), the scripts handed to it at each start, frame_run, and the setup's outcome
 * as the frame reports it (an untrusted file, read without following links, turned into one event).
 */
export class FrameProjectRunner {
  constructor(private readonly deps: ProjectRunnerDeps) {}

  /** The project of a frame; a devcontainer.json that cannot be read is an event, not a failed start. */
  project(frame: FrameRecord, config: FrameConfig): FrameProject {
    let dc: DevcontainerValues | undefined;
    try {
      dc = readDevcontainer(frame.workspacePath);
    } catch (err) {
      this.deps.store.addEvent(frame.id, 'devcontainer_error', { message: (err as Error).message });
    }
    return frameProject(config, this.deps.config, dc);
  }

  /** At a start, once tmux answers: the setup window (a new container with setup commands), else the start commands. */
  async launch(frame: FrameRecord, project: FrameProject, containerIsNew: boolean): Promise<void> {
    const setup = containerIsNew && project.setup.length > 0;
    if (!setup && !project.start.length) return;
    await this.deps.writeFiles(frame, this.scripts(project, setup));
    if (setup) this.setupStarted(frame);
    const r = await this.deps.exec(frame, launchArgv(setup));
    if (r.exitCode !== 0)
      this.deps.store.addEvent(frame.id, 'commands_failed', { message: r.stderr.trim() || `exit ${r.exitCode}` });
  }

  /** frame_run: (re)starts one start command, or the setup; the name must be the project's. */
  async run(frame: FrameRecord, project: FrameProject, name: string): Promise<void> {
    const names = project.start.map((c) => c.name);
    if (name === SETUP_WINDOW ? !project.setup.length : !names.includes(name))
      throw new Error(
        `frame '${frame.name}' has no command '${name}'; its commands: ${[...(project.setup.length ? [SETUP_WINDOW] : []), ...names].join(', ') || 'none (set setup or start in its config)'}`,
      );
    await this.deps.writeFiles(frame, this.scripts(project, name === SETUP_WINDOW));
    if (name === SETUP_WINDOW) this.setupStarted(frame);
    const r = await this.deps.exec(frame, runArgv(name));
    if (r.exitCode !== 0)
      throw new Error(`could not start '${name}' in frame '${frame.name}': ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    this.deps.store.addEvent(frame.id, 'command_started', { name });
  }

  /** The start commands' windows as the frame's tmux shows them. */
  async states(frame: FrameRecord, project: FrameProject): Promise<CommandState[]> {
    if (!project.start.length) return [];
    return commandStates(project.start, await this.deps.exec(frame, windowsArgv).catch(() => undefined));
  }

  /**
   * The setup's state; a running one whose status file has appeared ends here, with its event
   * (setup_succeeded or setup_failed), whichever process looks first.
   */
  setup(frame: FrameRecord): SetupState | undefined {
    const stored = this.stored(frame.id);
    if (stored?.state !== 'running' || frame.status !== 'running') return stored;
    const outcome = parseSetupStatus(this.statusFile(frame.id));
    if (!outcome) return stored;
    const ended: SetupState = {
      state: outcome.exit === 0 ? 'succeeded' : 'failed',
      exitCode: outcome.exit,
      ...(outcome.step !== undefined ? { step: outcome.step } : {}),
      at: Date.now(),
    };
    this.deps.store.immediate(() => {
      if (this.stored(frame.id)?.state !== 'running') return; // another process recorded it
      this.deps.store.setRuntimeState(frame.id, { setup: JSON.stringify(ended) });
      this.deps.store.addEvent(frame.id, `setup_${ended.state}`, {
        exitCode: ended.exitCode,
        ...(ended.step !== undefined ? { step: ended.step } : {}),
      });
    });
    return this.stored(frame.id);
  }

  /** The scripts; with a setup about to run, without the outcome of one before (the run directory outlives containers). */
  private scripts(project: FrameProject, setup: boolean): FrameFile[] {
    return [
      ...commandScripts(project.setup, project.start),
      ...(setup ? [{ path: SETUP_STATUS_IN_FRAME, content: null }] : []),
    ];
  }

  private setupStarted(frame: FrameRecord): void {
    const state: SetupState = { state: 'running', at: Date.now() };
    this.deps.store.setRuntimeState(frame.id, { setup: JSON.stringify(state) });
    this.deps.store.addEvent(frame.id, 'setup_started', {});
  }

  private stored(frameId: string): SetupState | undefined {
    const text = this.deps.store.runtimeState(frameId).setup;
    return text ? (JSON.parse(text) as SetupState) : undefined;
  }

  private statusFile(frameId: string): string | undefined {
    const dir = this.deps.socketDir(frameId);
    if (!existsSync(dir)) return undefined;
    try {
      const rel = SETUP_STATUS_IN_FRAME.slice('/run/optagon/'.length);
      return readBeneath(dir, rel, { tailBytes: 4096 })?.toString('utf8');
    } catch (err) {
      if (err instanceof UnsafeFileError) return undefined;
      throw err;
    }
  }
}
