import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { createServices } from '../host/registry.js';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { FakeAnthropic } from '../test/support/fake-anthropic.js';
import type { BenchHome } from './bench-home.js';
import { stats, timed } from './measure.js';
import type { Figure } from './report.js';

/** Our goals: a spawn in a work tree of its own costs at most 1.2× one in /workspace; a diff of 2,000 lines answers within 150 ms. */
const SPAWN_GOAL = 1.2;
const DIFF_GOAL_MS = 150;
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)); // from dist/bench

/**
 * Agents in work trees, in `frame` (running, its workspace made here a git repository holding this
 * project's tracked files, about its size): agent_spawn until the prompt is up with a work tree
 * against without one, in alternating rounds; and agent_diff of a 2,000-line change against one
 * `podman exec … git diff` of the same tree, the least any diff through the frame costs.
 */
export async function benchAgentWorktree(home: BenchHome, frame: string, rounds = 4): Promise<Figure[]> {
  // BenchHome names a frame's workspace after it.
  const workspace = home.workspace(frame);
  await execa('sh', ['-c', `git -C "$1" archive HEAD | tar -x -C "$2"`, 'sh', REPO_ROOT, workspace]);
  const fake = await new FakeAnthropic([]).start();
  const services = createServices(new OptagonHome(home.root));
  services.frames.frames.followingEvents = true;
  const { agents, frames } = services;
  try {
    const record = frames.frames.resolve(frame);
    const inFrame = async (script: string) => {
      const r = await frames.frames.exec(record, ['sh', '-c', script]);
      if (r.exitCode !== 0) throw new Error(`${script}: ${r.stderr}`);
      return r.stdout;
    };
    await inFrame(
      'cd /workspace && git init -q -b main && git add -A && git -c user.name=b -c user.email=b@example.com commit -qm bench',
    );
    const files = (await inFrame('git -C /workspace ls-files | wc -l')).trim();
    process.stderr.write(`agent work trees: a repository of ${files} files in ${frame}\n`);
    frames.frames.setConfig(frame, {
      agents: {
        env: { ANTHROPIC_BASE_URL: fake.containerUrl, ANTHROPIC_API_KEY: 'sk-ant-bench-0123456789abcdefghij' },
      },
    });

    const spawn = { worktree: [] as number[], shared: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      // Alternate which goes first, so a busy moment hits both alike.
      const order = i % 2 ? (['shared', 'worktree'] as const) : (['worktree', 'shared'] as const);
      for (const workspace of order) {
        const name = `${workspace === 'worktree' ? 'wt' : 'sh'}-${i}`;
        spawn[workspace].push(await timed(() => agents.spawn({ frame, kind: 'claude', name, workspace })));
        if (workspace === 'worktree') await agents.discard(`${frame}/${name}`);
        else await agents.stop(`${frame}/${name}`);
      }
    }

    const spawned = await agents.spawn({ frame, kind: 'claude', name: 'diff', workspace: 'worktree' });
    const tree = spawned.worktree!;
    await inFrame(`cd ${tree.path} && seq 1 2000 | sed 's/^/a changed line, number /' >> README.md`);
    const ours: number[] = [];
    const peer: number[] = [];
    const podman = home.config.podman.binary;
    const container = frames.frames.containerName(record);
    for (let i = 0; i < 10; i++) {
      ours.push(await timed(() => agents.diff(`${frame}/diff`, { maxBytes: 1_000_000 })));
      peer.push(await timed(() => execa(podman, ['exec', container, 'git', '-C', tree.path, 'diff', tree.base])));
    }
    const { files: changed } = await agents.diff(`${frame}/diff`, { maxBytes: 1_000_000 });
    if (changed[0]?.added !== 2000)
      throw new Error(`the bench's change is not 2,000 lines: ${JSON.stringify(changed)}`);
    await agents.discard(`${frame}/diff`);
    return [
      {
        name: `agent_spawn → prompt, own work tree vs /workspace (${files} files)`,
        ours: stats(spawn.worktree),
        peer: stats(spawn.shared),
        peerName: 'workspace: shared',
        goal: SPAWN_GOAL,
      },
      {
        name: 'agent_diff, 2,000 changed lines',
        ours: stats(ours),
        peer: stats(peer),
        peerName: 'podman exec git diff',
        absoluteGoalMs: DIFF_GOAL_MS,
      },
    ];
  } finally {
    services.close();
    await fake.close();
  }
}
