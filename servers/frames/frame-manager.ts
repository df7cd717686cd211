import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { lstatSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GlobalConfig } from '../shared/global-config.js';
import type { OptagonHome } from '../shared/optagon-home.js';
import type { ContainerRuntime } from './container-runtime.js';
import type { ContainerStats } from './proc-stats.js';
import { applyConfigPatch, frameConfigSchema, writeConfigMirror, type FrameConfig } from './frame-config.js';
import { FrameIsolation } from './frame-isolation.js';
import { PortAllocator } from './port-allocator.js';
import type { RuntimeSettingsResolver } from './runtime-settings.js';
import type { FrameEvent, FrameRecord, FrameStatus, PortMapping, StateStore } from './state-store.js';
import type { CommandState } from './frame-commands.js';
import type { FrameProject } from './frame-project.js';
import { DEFAULT_PORT } from './frame-project-config.js';
import { FrameProjectRunner, type SetupState } from './frame-project-runner.js';
import { OomWatch } from './oom-watch.js';
import { FrameEgress, modelEndpoints } from './frame-egress.js';
import {
  FRAME_SESSION,
  FrameChannels,
  resizedClientScript,
  SOCKET_IN_FRAME,
  terminalInFrame,
  tmuxInFrame,
} from './frame-channels.js';
import type { TmuxControl } from './tmux-control.js';
import { FrameReconciler } from './frame-reconciler.js';
import { FrameContainers } from './frame-containers.js';
import { FrameExec, type ExecTarget, type FrameFile } from './frame-exec.js';
import { isUp } from './observed-status.js';
import { checkFrameWorkspace, checkMountSource, checkWorkspace } from './workspace.js';
import { ensureSocketDir } from './socket-dir.js';
import { frameUserNamespace } from './user-namespace.js';
import { sleep } from '../shared/sleep.js';
import type { CommandResult } from '../shared/run-command.js';

export const FRAME_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const FRAME_NAME_RULE = 'a frame name is 1-63 characters of a-z, 0-9 and "-", starting with a letter or digit';
/** Graphiti group ids must match ^[a-zA-Z0-9_-]+$; this is the group for knowledge shared by all frames. */
export const SHARED_GROUP_ID = 'shared_global';

export interface FrameDetails extends FrameRecord {
  containerName: string;
  /** Host path of the frame's tmux socket, under the socket root this configuration names. */
  tmuxSocket: string;
  url: string | null;
  /** Every published port: 3000 first, then the config's `ports` (given their host ports at the first start). */
  ports: Array<PortMapping & { url: string }>;
  /** How the setup commands went, once they ran. */
  setup?: SetupState;
}

/** frame_get's fuller view: what the frame runs with and its start commands' windows. */
export interface FrameView extends FrameDetails {
  project: FrameProject;
  commands: CommandState[];
}

export interface FrameChange {
  kind: 'created' | 'updated' | 'destroyed';
  id: string;
  name: string;
}

export interface AttachInfo {
  /** The tmux socket on the host: a client there obeys the frame's server, so Optagon never uses it. */
  socket: string;
  /** argv that attaches a terminal: tmux runs inside the container. */
  command: string[];
}

export interface ManagerDeps {
  home: OptagonHome;
  store: StateStore;
  config: GlobalConfig;
  runtime: ContainerRuntime;
  settings: RuntimeSettingsResolver;
}

const shortId = (id: string) => id.replace(/-/g, '').slice(0, 12);

/** Frame lifecycle: the domain behind the frames MCP tools. Knows nothing about MCP. */
export class FrameManager {
  private readonly ports: PortAllocator;
  /** Frame id → the lifecycle operation running on it in this process. */
  private readonly busy = new Map<string, string>();
  /** Emits 'change' with a FrameChange whenever a frame is created, changes state or config, or is destroyed. */
  readonly changes = new EventEmitter<{ change: [FrameChange] }>();

  /** Short stable id of this Optagon home, put on every container as a label. */
  readonly homeId: string;
  /** The control channel into each running frame's tmux server. */
  private readonly channels: FrameChannels;
  /** Commands and files inside running frames. */
  private readonly execs: FrameExec;
  /** Keeps frames off each other's ports and off the host's services. */
  private readonly isolation: FrameIsolation;
  /** Makes and starts frames' containers. */
  private readonly containers: FrameContainers;
  /** Brings stored status in line with podman's. */
  private readonly reconciler: FrameReconciler;
  /** The project's setup and start commands, and what the frame runs with. */
  private readonly projects: FrameProjectRunner;
  /** Processes the kernel killed for a frame's memory limit, as events. */
  private readonly ooms: OomWatch;
  /** The proxies of frames held to an allowlist. */
  private readonly egress: FrameEgress;

  constructor(private readonly deps: ManagerDeps) {
    this.ports = new PortAllocator(deps.store, deps.config.frames.port_range);
    this.homeId = createHash('sha256').update(deps.home.root).digest('hex').slice(0, 12);
    this.channels = new FrameChannels(() => deps.config.podman.binary);
    this.execs = new FrameExec(deps.runtime, () => deps.config.podman.binary);
    this.isolation = new FrameIsolation(deps.config, deps.runtime, this.homeId);
    this.containers = new FrameContainers({
      ...deps,
      ports: this.ports,
      isolation: this.isolation,
      homeId: this.homeId,
      containerName: (frame) => this.containerName(frame),
      socketDir: (id) => this.socketDir(id),
    });
    this.ooms = new OomWatch(deps.runtime, deps.store);
    this.egress = new FrameEgress(deps.home);
    this.projects = new FrameProjectRunner({
      store: deps.store,
      config: deps.config,
      socketDir: (id) => this.socketDir(id),
      exec: (frame, argv) => this.exec(frame, argv),
      writeFiles: (frame, files) => this.writeFiles(frame, files),
    });
    this.reconciler = new FrameReconciler({
      ...deps,
      homeId: this.homeId,
      busy: (id) => this.busy.has(id),
      transition: (frame, status, patch, details) => this.transition(frame, status, patch, details),
    });
  }

  private get store() {
    return this.deps.store;
  }
  private get runtime() {
    return this.deps.runtime;
  }

  containerName(frame: Pick<FrameRecord, 'id' | 'name'>): string {
    return `optagon-${frame.name}-${shortId(frame.id)}`;
  }

  socketDir(frameId: string): string {
    return join(this.deps.config.frames.socket_root, frameId);
  }

  details(frame: FrameRecord): FrameDetails {
    const host =
      this.deps.config.frames.bind_address === '0.0.0.0' ? '127.0.0.1' : this.deps.config.frames.bind_address;
    const url = (port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const setup = this.projects.setup(frame);
    return {
      ...frame,
      containerName: this.containerName(frame),
      tmuxSocket: join(this.socketDir(frame.id), 'tmux.sock'),
      url: frame.hostPort ? url(frame.hostPort) : null,
      ports: [
        ...(frame.hostPort ? [{ container: DEFAULT_PORT, host: frame.hostPort }] : []),
        ...this.store.extraPorts(frame.id),
      ].map((p) => ({ ...p, url: url(p.host) })),
      ...(setup ? { setup } : {}),
    };
  }

  async create(input: { name: string; workspace: string; description?: string }): Promise<FrameDetails> {
    if (!FRAME_NAME.test(input.name)) throw new Error(`invalid frame name '${input.name}': ${FRAME_NAME_RULE}`);
    const workspace = checkWorkspace(input.workspace, this.deps.config, this.deps.home);
    const now = Date.now();
    const id = randomUUID();
    const config = frameConfigSchema.parse({
      name: input.name,
      workspace,
      ...(input.description ? { description: input.description } : {}),
    });
    const frame = this.store.immediate(() => {
      if (this.store.findFrame(input.name)?.name === input.name) {
        throw new Error(
          `a frame named '${input.name}' already exists; pick another name or \`frame_get ${input.name}\` to see it`,
        );
      }
      const record: FrameRecord = {
        id,
        name: input.name,
        description: input.description ?? null,
        status: 'created',
        workspacePath: workspace,
        containerId: null,
        graphitiGroupId: `frame_${shortId(id)}`,
        hostPort: this.ports.pick(),
        createdAt: now,
        updatedAt: now,
        lastActiveAt: null,
      };
      this.store.insertFrame(record);
      this.store.setConfig(id, config);
      this.store.addEvent(id, 'created', { workspace, hostPort: record.hostPort });
      return record;
    });
    writeConfigMirror(this.deps.home.frameConfigFile(id), config);
    this.changed('created', frame);
    return this.details(frame);
  }

  /**
   * The control channel into a frame's tmux server (it runs `tmux -C` inside the container). The
   * caller knows the frame runs; a channel that cannot open says why in tmux's or podman's words.
   */
  tmux(frame: FrameRecord): Promise<TmuxControl> {
    return this.channels.get(frame.id, this.containerName(frame));
  }

  /** argv running one tmux command inside the frame (for what needs its own process and terminal). */
  tmuxCommand(
    frame: Pick<FrameRecord, 'id' | 'name'>,
    args: readonly string[],
    opts: { tty?: boolean } = {},
  ): string[] {
    return tmuxInFrame(this.deps.config.podman.binary, this.containerName(frame), args, opts);
  }

  /**
   * argv of a terminal client in the frame for a pty the caller spawns and holds (see
   * terminalInFrame); `client` marks it for clientResized.
   */
  terminalCommand(frame: Pick<FrameRecord, 'id' | 'name'>, args: readonly string[], client: string): string[] {
    return terminalInFrame(this.deps.config.podman.binary, this.containerName(frame), args, client);
  }

  /** Tells the terminal client started with `client` that its pty was resized. */
  async clientResized(frame: FrameRecord, client: string): Promise<void> {
    const channel = await this.tmux(frame);
    await channel.run(['run-shell', '-b', resizedClientScript(client)]);
  }

  /**
   * Runs argv in the frame's running container as its root (FrameExec): its output is the frame's,
   * to be read as untrusted text.
   */
  exec(
    frame: FrameRecord,
    argv: readonly string[],
    opts?: { input?: string; timeoutMs?: number },
  ): Promise<CommandResult> {
    return this.execs.run(this.execTarget(frame), argv, opts);
  }

  /**
   * Writes (or, with `content: null`, removes) files inside a running frame, all at once. What
   * Optagon hands a frame goes in this way, never by a host write into the frame-writable run
   * directory, where the frame could have put a link to a host file.
   */
  writeFiles(frame: FrameRecord, files: readonly FrameFile[]): Promise<void> {
    return this.execs.writeFiles(this.execTarget(frame), files);
  }

  private execTarget(frame: FrameRecord): ExecTarget {
    return { id: frame.id, name: frame.name, container: frame.containerId ?? this.containerName(frame) };
  }

  /** Ends what this process keeps open into a frame: its tmux channel and its shells. */
  private letGo(frameId: string): void {
    this.channels.close(frameId);
    this.execs.close(frameId);
  }

  /** Removes the networks (and firewall rules) of every frame of this home: a test cleaning up after itself. */
  releaseNetworks(): Promise<void> {
    return this.isolation.releaseAll();
  }

  /** Ends this process's channels and shells (the frames and their tmux servers go on). */
  close(): void {
    this.channels.closeAll();
    this.execs.closeAll();
  }

  /** Finds a frame by name or id; the error says how to list frames. */
  resolve(ref: string): FrameRecord {
    const frame = this.store.findFrame(ref);
    if (!frame) throw new Error(`frame '${ref}' not found; \`optagon frame list\` (tool frame_list) shows the frames`);
    return frame;
  }

  /**
   * Set by the daemon while it follows `podman events`: every container change then reaches the
   * state at once, so reads need not ask podman again. Lifecycle operations always do.
   */
  followingEvents = false;

  async get(ref: string): Promise<FrameView> {
    const frame = this.resolve(ref);
    await this.ooms.check(frame);
    const details = this.details(this.followingEvents ? frame : (await this.reconcile([frame]))[0]!);
    const project = this.projects.project(details, this.getConfig(details.id).config);
    return {
      ...details,
      project,
      commands: details.status === 'running' ? await this.projects.states(details, project) : [],
    };
  }

  /** frame_run: (re)starts one of the frame's start commands (or its setup) in its tmux window. */
  async run(ref: string, name: string): Promise<FrameView> {
    const frame = this.resolve(ref);
    if (frame.status !== 'running')
      throw new Error(`frame '${frame.name}' is ${frame.status}, not running; start it with frame_start`);
    await this.projects.run(frame, this.projects.project(frame, this.getConfig(frame.id).config), name);
    return this.get(frame.id);
  }

  async list(): Promise<FrameDetails[]> {
    const frames = this.store.listFrames();
    await Promise.all(frames.map((f) => this.ooms.check(f)));
    return (this.followingEvents ? frames : await this.reconcile(frames)).map((f) => this.details(f));
  }

  /**
   * What frames report of themselves rather than through podman (a setup that ended, a process the
   * memory limit killed) turned into events now, and clients told, so a page that waits for
   * changes sees them. The daemon runs this every few seconds; get and list do it on the way.
   */
  async observe(): Promise<void> {
    for (const frame of this.store.listFrames().filter((f) => f.status === 'running')) {
      const before = this.store.listEvents(frame.id, 1, 0).at(-1)?.id ?? 0;
      this.projects.setup(frame);
      await this.ooms.check(frame);
      if ((this.store.listEvents(frame.id, 1, 0).at(-1)?.id ?? 0) !== before) this.changed('updated', frame);
    }
  }

  /** Reconciles every frame with podman, whatever `followingEvents` says. */
  async reconcileAll(): Promise<void> {
    await this.reconcile(this.store.listFrames());
  }

  start(ref: string): Promise<FrameDetails> {
    return this.exclusive(ref, 'start', (frame) => this.doStart(frame));
  }

  stop(ref: string): Promise<FrameDetails> {
    return this.exclusive(ref, 'stop', (frame) => this.doStop(frame));
  }

  restart(ref: string): Promise<FrameDetails> {
    return this.exclusive(ref, 'restart', async (frame) => {
      frame = (await this.reconcile([frame]))[0]!;
      if (isUp(frame.status)) await this.doStop(frame);
      return this.doStart(this.resolve(frame.id));
    });
  }

  /** Removes the container, the socket dir and the state. The workspace is never touched. */
  destroy(
    ref: string,
    force = false,
  ): Promise<{ id: string; name: string; hostPort: number | null; workspacePath: string }> {
    return this.exclusive(ref, 'destroy', (frame) => this.doDestroy(frame, force));
  }

  /**
   * One lifecycle operation per frame at a time, and reconciliation keeps its hands off meanwhile
   * (a `podman stop` we run must not be mistaken for a container dying outside Optagon).
   */
  private async exclusive<T>(ref: string, op: string, body: (frame: FrameRecord) => Promise<T>): Promise<T> {
    const frame = this.resolve(ref);
    const current = this.busy.get(frame.id);
    if (current)
      throw new Error(`frame '${frame.name}' is busy with a ${current} right now; try again when it finishes`);
    this.busy.set(frame.id, op);
    try {
      return await body(frame);
    } finally {
      this.busy.delete(frame.id);
    }
  }

  private async doStart(frame: FrameRecord): Promise<FrameDetails> {
    // Only a frame we believe is up needs podman's word before starting; for the rest `podman start`
    // itself tells us (a vanished container is recreated below), which keeps a start one podman call.
    if (isUp(frame.status) || frame.status === 'starting') frame = (await this.reconcile([frame]))[0]!;
    if (frame.status === 'running') {
      throw new Error(`frame '${frame.name}' is already running; attach with \`optagon frame attach ${frame.name}\``);
    }
    if (frame.status === 'starting')
      throw new Error(
        `frame '${frame.name}' is already starting; wait for it or check \`optagon frame events ${frame.name}\``,
      );
    const userns = frameUserNamespace(checkFrameWorkspace(frame, this.deps.config, this.deps.home));
    const { config } = this.getConfig(frame.id);
    const project = this.projects.project(frame, config);
    this.isolation.checkNetworkMode(frame.name, config);
    const changed = await this.containers.prepare(frame, project);
    const wasPaused = frame.status === 'paused';
    let isNew = false;
    frame = this.transition(frame, 'starting');
    try {
      const socketDir = this.socketDir(frame.id);
      ensureSocketDir(this.deps.config.frames.socket_root, frame.id, userns.root);
      rmSync(join(socketDir, 'tmux.sock'), { force: true });
      if (wasPaused) await this.runtime.podman(['unpause', frame.containerId!]);
      else {
        let containerId = frame.containerId;
        if (containerId && changed.length) {
          await this.containers.recreating(frame, containerId, changed);
          containerId = null;
        }
        if (containerId) {
          await this.isolation.apply(frame.id, config, containerId);
          await this.containers.startExisting(containerId).catch((err: Error) => {
            if (!/no such container/i.test(err.message)) throw err;
            containerId = null; // removed behind our back: make a new one
          });
        }
        if (!containerId) {
          ({ frame, containerId } = await this.containers.startNew(frame, config, project, userns));
          isNew = true;
        }
        frame = this.store.updateFrame(frame.id, { containerId });
      }
      if (typeof project.network === 'object') await this.startEgress(frame, project, config);
      await this.waitForTmux(frame);
      frame = this.transition(frame, 'running', { lastActiveAt: Date.now() });
      if (!wasPaused) {
        this.ooms.started(frame);
        await this.projects.launch(frame, project, isNew);
      }
      return this.details(frame);
    } catch (err) {
      this.transition(frame, 'error', {}, { message: (err as Error).message });
      throw err;
    }
  }

  private async doStop(frame: FrameRecord): Promise<FrameDetails> {
    frame = (await this.reconcile([frame]))[0]!;
    if (!['running', 'paused', 'starting'].includes(frame.status) || !frame.containerId) {
      throw new Error(`frame '${frame.name}' is not running (status ${frame.status}); nothing to stop`);
    }
    this.letGo(frame.id);
    await this.runtime.stop(frame.containerId, this.deps.config.frames.stop_timeout_seconds);
    this.egress.stop(frame.id);
    frame = this.transition(frame, 'stopped', { lastActiveAt: Date.now() });
    return this.details(frame);
  }

  private async doDestroy(
    frame: FrameRecord,
    force: boolean,
  ): Promise<{ id: string; name: string; hostPort: number | null; workspacePath: string }> {
    frame = (await this.reconcile([frame]))[0]!;
    if (!force && (frame.status === 'running' || frame.status === 'starting' || frame.status === 'paused')) {
      throw new Error(
        `frame '${frame.name}' is ${frame.status}; stop it first, or destroy with force (--force) to stop it now`,
      );
    }
    this.letGo(frame.id);
    await this.runtime.remove(frame.containerId ?? this.containerName(frame));
    this.egress.stop(frame.id);
    await this.isolation.release(frame.id);
    // Only ever our own directories, named by the frame id; never the workspace.
    rmSync(this.socketDir(frame.id), { recursive: true, force: true });
    rmSync(this.deps.home.frameDir(frame.id), { recursive: true, force: true });
    rmSync(this.deps.home.frameLogFile(frame.id), { force: true });
    // The agents' work trees go only when none is left: uncommitted work in one is the user's to discard.
    try {
      rmdirSync(this.deps.home.worktreesDir(frame.id));
    } catch {
      // not empty, or never made
    }
    this.store.deleteFrame(frame.id);
    this.changed('destroyed', frame);
    return { id: frame.id, name: frame.name, hostPort: frame.hostPort, workspacePath: frame.workspacePath };
  }

  /** Records something that happened to a frame outside its lifecycle (an agent asking for the user). */
  recordEvent(ref: string, type: string, details: Record<string, unknown>): FrameEvent {
    return this.store.addEvent(this.resolve(ref).id, type, details);
  }

  /** The command that attaches to the frame's session, at `window` (@N) when one is given. */
  async attach(ref: string, window?: string): Promise<AttachInfo & { frame: FrameDetails }> {
    // While podman events are followed the record is current (as for get): no podman call, which
    // is most of the time a web terminal takes to open.
    const frame = this.followingEvents ? this.resolve(ref) : (await this.reconcile([this.resolve(ref)]))[0]!;
    return {
      frame: this.details(frame),
      socket: join(this.socketDir(frame.id), 'tmux.sock'),
      command: this.tmuxCommand(
        frame,
        ['attach-session', '-t', window ? `${FRAME_SESSION}:${window}` : FRAME_SESSION],
        {
          tty: true,
        },
      ),
    };
  }

  async logs(ref: string, tail: number): Promise<{ frame: FrameRecord; lines: string[] }> {
    const frame = this.resolve(ref);
    if (!frame.containerId) return { frame, lines: [] };
    const text = await this.runtime.logs(frame.containerId, tail);
    return { frame, lines: text ? text.split('\n') : [] };
  }

  async stats(ref: string): Promise<{ frame: FrameRecord } & ContainerStats> {
    const frame = (await this.reconcile([this.resolve(ref)]))[0]!;
    if (frame.status !== 'running' || !frame.containerId) {
      throw new Error(`frame '${frame.name}' is not running (status ${frame.status}); start it to see CPU and memory`);
    }
    return { frame, ...(await this.runtime.stats(frame.containerId)) };
  }

  events(ref: string, limit: number, afterId = 0): { frame: FrameRecord; events: FrameEvent[] } {
    const frame = this.resolve(ref);
    return { frame, events: this.store.listEvents(frame.id, limit, afterId) };
  }

  getConfig(ref: string): { frame: FrameRecord; config: FrameConfig } {
    const frame = this.resolve(ref);
    const stored = this.store.getConfig(frame.id) ?? { name: frame.name, workspace: frame.workspacePath };
    return { frame, config: frameConfigSchema.parse(stored) };
  }

  setConfig(ref: string, patch: Record<string, unknown>, replace = false): { frame: FrameRecord; config: FrameConfig } {
    const { frame, config } = this.getConfig(ref);
    const next = applyConfigPatch(config, patch, replace);
    const workspaces = this.store.listFrames().map((f) => f.workspacePath);
    for (const m of next.mounts ?? []) checkMountSource(m.source, this.deps.config, this.deps.home, workspaces);
    this.store.immediate(() => {
      this.store.setConfig(frame.id, next);
      if (next.description !== config.description)
        this.store.updateFrame(frame.id, { description: next.description ?? null });
      this.store.addEvent(frame.id, 'config_changed', { keys: Object.keys(patch) });
    });
    writeConfigMirror(this.deps.home.frameConfigFile(frame.id), next);
    // The endpoints its agents may reach on the host follow the config at once.
    if (frame.status === 'running') {
      this.isolation
        .apply(frame.id, next, null)
        .catch((err: Error) => this.store.addEvent(frame.id, 'isolation_error', { message: err.message }));
    }
    this.changed('updated', frame);
    return { frame: this.resolve(frame.id), config: next };
  }

  /** See FrameReconciler.recover: run once when the daemon starts, before serving. */
  recover(): ReturnType<FrameReconciler['recover']> {
    return this.reconciler.recover();
  }

  /** Stored status in line with podman's, for any number of frames in one `podman ps` (FrameReconciler). */
  reconcile(frames: FrameRecord[]): Promise<FrameRecord[]> {
    return this.reconciler.reconcile(frames);
  }

  /**
   * Ready means the control channel opens: tmux answers inside the container. Until its socket
   * shows on the host (an lstat, which follows nothing), no `podman exec` is spent on trying.
   */
  private async waitForTmux(frame: FrameRecord): Promise<void> {
    const socket = join(this.socketDir(frame.id), 'tmux.sock');
    const deadline = Date.now() + this.deps.config.frames.start_timeout_seconds * 1000;
    this.letGo(frame.id); // one left from before a restart would be dead
    let checks = 0;
    let lastError = '';
    while (Date.now() < deadline) {
      if (lstatSync(socket, { throwIfNoEntry: false })?.isSocket()) {
        try {
          await this.tmux(frame);
          return;
        } catch (err) {
          lastError = (err as Error).message;
        }
      }
      // Every so often make sure the container is still up, so a crash fails fast with its log.
      if (++checks % 20 === 0 && frame.containerId) {
        const state = (await this.runtime.list()).find((c) => c.frameId === frame.id);
        if (state && state.state !== 'running') break;
      }
      await sleep(checks < 50 ? 10 : 100);
    }
    const log = frame.containerId ? await this.runtime.logs(frame.containerId, 20).catch(() => '') : '';
    throw new Error(
      `frame '${frame.name}' started but its tmux session did not appear at ${SOCKET_IN_FRAME}${lastError ? ` (${lastError})` : ''}` +
        (log ? `; container log:\n${log}` : '') +
        '\nCheck the image with `optagon doctor`, or rebuild it with `optagon image build --force`.',
    );
  }

  /** The allowlist's proxy, on the frame network's gateway: the listed hosts, its hosts file, and the model API. */
  private async startEgress(frame: FrameRecord, project: FrameProject, config: FrameConfig): Promise<void> {
    const network = await this.isolation.networkFor(frame.id);
    if (!network || typeof project.network !== 'object') return;
    const model = modelEndpoints(process.env, config.agents?.env);
    await this.egress.start(frame.id, network.gateway, {
      allowlist: [...project.network.allowlist, ...model.hosts],
      hosts: project.hosts,
      ports: model.ports,
    });
  }

  private transition(
    frame: FrameRecord,
    status: FrameStatus,
    patch: Partial<FrameRecord> = {},
    details?: Record<string, unknown>,
  ): FrameRecord {
    const updated = this.store.immediate(() => {
      const updated = this.store.updateFrame(frame.id, { ...patch, status });
      this.store.addEvent(frame.id, status === 'running' ? 'started' : status, { from: frame.status, ...details });
      return updated;
    });
    this.changed('updated', updated);
    return updated;
  }

  private changed(kind: FrameChange['kind'], frame: Pick<FrameRecord, 'id' | 'name'>): void {
    this.changes.emit('change', { kind, id: frame.id, name: frame.name });
  }
}
