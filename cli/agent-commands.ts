import type { Command } from 'commander';
import type { ResultOf } from '../host/tool-results.js';
import { count } from './options.js';
import { ago, bold, cyan, dim, green, printJson, red, status, table, untrusted, untrustedText } from './render.js';
import { run } from './run.js';

type Agent = ResultOf<'agent_status'>['agent'];
/** The agent tools that answer with the agent. */
type AgentAction = 'agent_status' | 'agent_send' | 'agent_approve' | 'agent_stop' | 'agent_comment';

function agentLine(a: Agent): string {
  const where = a.worktree ? `, on ${untrusted(a.worktree.branch)}` : '';
  return `${bold(untrusted(a.agent))} ${status(a.state)} ${dim(`(${untrusted(a.kind)}, from its ${untrusted(a.source)}${where})`)}`;
}

/** The last few screen lines under an agent's state, where a person would look. */
function withScreen(a: Agent, lines = 8): string {
  // The screen is the frame's: nothing on it may reach this terminal as an escape sequence.
  const screen = a.lastLines
    .split('\n')
    .slice(-lines)
    .map((l) => `  ${dim('│')} ${untrusted(l)}`)
    .join('\n');
  return `${agentLine(a)}\n${screen}`;
}

/** Calls an agent tool that answers `{agent}` and prints the agent (with its screen if asked). */
function agentAction(tool: AgentAction, args: Record<string, unknown>, screen = false): Promise<void> {
  return run(async (tools, out) => {
    const { agent: a } = await tools.call(tool, args);
    if (out.json) return printJson({ agent: a });
    console.log(screen ? withScreen(a) : agentLine(a));
  });
}

export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('coding agents (Claude Code, OpenCode) working inside frames');

  agent
    .command('spawn <frame> [task...]')
    .description('start an agent in a new tmux window of the frame; with a task, give it the task')
    .option('-k, --kind <kind>', 'claude or opencode', 'claude')
    .option('-n, --name <name>', 'agent name (default: <kind>-<n>)')
    .option('-w, --wait', 'wait until it has finished the task, then print its reply')
    .option('--shared', 'work in /workspace itself, not in a git work tree and branch of its own')
    .option('--base <ref>', 'the branch or commit its work tree starts from (default: the checked-out branch)')
    .option('--branch <name>', "its work tree's new branch (default: agents.branch_prefix, optagon/, and its name)")
    .action(
      (
        frame: string,
        task: string[],
        opts: { kind: string; name?: string; wait?: boolean; shared?: boolean; base?: string; branch?: string },
      ) =>
        run(async (tools, out) => {
          const args = {
            frame,
            kind: opts.kind,
            ...(task.length ? { task: task.join(' ') } : {}),
            ...(opts.name ? { name: opts.name } : {}),
            ...(opts.shared ? { workspace: 'shared' } : {}),
            ...(opts.base ? { base: opts.base } : {}),
            ...(opts.branch ? { branch: opts.branch } : {}),
          };
          const { agent: a } = await tools.call('agent_spawn', args, (m) => {
            if (!out.json) process.stderr.write(dim(`${untrusted(m)}…\n`));
          });
          if (!opts.wait || !task.length) return out.json ? printJson({ agent: a }) : console.log(agentLine(a));
          const waited = await tools.call('agent_wait', { agent: a.agent, until: 'idle', timeout_ms: 3_600_000 });
          const reply = await tools.call('agent_read', { agent: a.agent });
          if (out.json) return printJson({ agent: waited.agent, reply: reply.text });
          console.log(`${agentLine(waited.agent)}\n\n${untrustedText(reply.text)}`);
        }),
    );

  agent
    .command('list [frame]')
    .alias('ls')
    .description('agents of a frame, or of every frame, with their state')
    .action((frame: string | undefined) =>
      run(async (tools, out) => {
        const { agents } = await tools.call('agent_list', frame ? { frame } : {});
        if (out.json) return printJson({ agents });
        if (!agents.length)
          return console.log(
            `no agents${frame ? ` in ${frame}` : ''}; start one: optagon agent spawn <frame> "<task>"`,
          );
        console.log(
          table(
            ['AGENT', 'KIND', 'STATE', 'WINDOW', 'STARTED'],
            agents.map((a) => [
              untrusted(a.agent),
              untrusted(a.kind),
              status(a.state),
              untrusted(a.window ?? '-'),
              new Date(a.createdAt).toLocaleString(),
            ]),
          ),
        );
      }),
    );

  agent
    .command('status <agent>')
    .description('what the agent is doing, with the last lines of its screen')
    .action((ref: string) => agentAction('agent_status', { agent: ref }, true));

  agent
    .command('send <agent> <message...>')
    .description('type a message into the agent and submit it')
    .action((ref: string, message: string[]) => agentAction('agent_send', { agent: ref, message: message.join(' ') }));

  agent
    .command('wait <agent>')
    .description('wait until the agent is idle (or needs permission, or exited)')
    .option('--any-change', 'return at the first change of state instead')
    .option('-t, --timeout <seconds>', 'give up after this long', count, 600)
    .action((ref: string, opts: { anyChange?: boolean; timeout: number }) =>
      run(async (tools, out) => {
        const r = await tools.call('agent_wait', {
          agent: ref,
          until: opts.anyChange ? 'any_change' : 'idle',
          timeout_ms: opts.timeout * 1000,
        });
        if (out.json) printJson(r);
        else console.log(`${agentLine(r.agent)}${r.reached ? '' : dim(` — still so after ${opts.timeout}s`)}`);
        if (!r.reached) process.exitCode = 2;
      }),
    );

  agent
    .command('read <agent>')
    .description("the agent's latest reply")
    .action((ref: string) =>
      run(async (tools, out) => {
        const r = await tools.call('agent_read', { agent: ref });
        if (out.json) return printJson(r);
        console.log(untrustedText(r.text));
      }),
    );

  agent
    .command('approve <agent> [decision]')
    .description("answer the agent's permission prompt: allow (default) or deny")
    .action((ref: string, decision = 'allow') => agentAction('agent_approve', { agent: ref, decision }));

  agent
    .command('stop <agent>')
    .description('end the agent and close its window')
    .action((ref: string) => agentAction('agent_stop', { agent: ref }));

  agent
    .command('diff <agent>')
    .description('what the agent changed in its work tree: committed, uncommitted and new files')
    .option('--stat', 'only the files, with lines added and removed')
    .option('--from <commit>', 'from this checkpoint of its branch (--checkpoints lists them)')
    .option('--to <commit>', 'to this checkpoint, not the work tree as it is')
    .option('--checkpoints', "list its branch's commits since its base")
    .action((ref: string, opts: { stat?: boolean; from?: string; to?: string; checkpoints?: boolean }) =>
      run(async (tools, out) => {
        const d = await tools.call('agent_diff', {
          agent: ref,
          stat: Boolean(opts.stat || opts.checkpoints),
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.to ? { to: opts.to } : {}),
        });
        if (opts.checkpoints && !out.json) {
          if (!d.checkpoints.length)
            return console.log(`${untrusted(d.agent)} has no commits since ${d.base.slice(0, 12)}`);
          for (const c of d.checkpoints)
            console.log(
              `${c.commit.slice(0, 12)}  ${dim(ago(new Date(c.at * 1000).toISOString()))}  ${untrusted(c.subject)}`,
            );
          return;
        }
        if (out.json) return printJson(d);
        if (!d.files.length)
          return console.log(`${untrusted(d.agent)} has changed nothing since ${d.base.slice(0, 12)}`);
        const count = (n: number | null, sign: string, paint: (s: string) => string) =>
          n === null ? dim('bin') : paint(`${sign}${n}`);
        if (opts.stat || !d.patch) {
          console.log(dim(`${untrusted(d.agent)} on ${untrusted(d.branch)}, against ${d.base.slice(0, 12)}:`));
          for (const f of d.files)
            console.log(`  ${count(f.added, '+', green)} ${count(f.removed, '-', red)}  ${untrusted(f.path)}`);
          return;
        }
        // The diff is the frame's text: each line shown without its control characters, then coloured.
        for (const line of d.patch.split('\n')) {
          const safe = untrusted(line);
          console.log(
            /^(diff --git|index |--- |\+\+\+ )/.test(line)
              ? bold(safe)
              : line.startsWith('@@')
                ? cyan(safe)
                : line.startsWith('+')
                  ? green(safe)
                  : line.startsWith('-')
                    ? red(safe)
                    : safe,
          );
        }
        if (d.truncated)
          console.log(
            dim(`… cut at ${d.patch.length} of ${d.bytes} bytes; --stat lists every file, --json gives it all`),
          );
      }),
    );

  agent
    .command('checkpoint <agent> [message...]')
    .description("commit everything in the agent's work tree on its branch")
    .action((ref: string, message: string[]) =>
      run(async (tools, out) => {
        const r = await tools.call('agent_checkpoint', {
          agent: ref,
          ...(message.length ? { message: message.join(' ') } : {}),
        });
        if (out.json) return printJson(r);
        console.log(
          r.commit
            ? `${untrusted(r.agent)}: ${r.commit.slice(0, 12)} on ${untrusted(r.branch)}`
            : `${untrusted(r.agent)}: nothing to commit`,
        );
      }),
    );

  agent
    .command('merge <agent>')
    .description("bring the agent's branch into the branch /workspace has checked out")
    .option('-s, --strategy <strategy>', 'merge (a merge commit), squash (one commit) or rebase', 'merge')
    .option('-m, --message <message>', 'the commit message')
    .action((ref: string, opts: { strategy: string; message?: string }) =>
      run(async (tools, out) => {
        const r = await tools.call('agent_merge', {
          agent: ref,
          strategy: opts.strategy,
          ...(opts.message ? { message: opts.message } : {}),
        });
        if (out.json) return printJson(r);
        if (r.status === 'merged')
          return console.log(`${untrusted(r.branch)} is in ${untrusted(r.into)}: ${r.commit!.slice(0, 12)}`);
        console.log(
          `${red('conflict')}: ${untrusted(r.branch)} and ${untrusted(r.into)} both change ${r.files.map(untrusted).join(', ')}; nothing was changed`,
        );
        console.log(
          dim(
            `ask the agent to rebase: optagon agent comment ${untrusted(r.agent)} "Rebase onto ${untrusted(r.into)} and resolve the conflicts"`,
          ),
        );
        process.exitCode = 3;
      }),
    );

  agent
    .command('comment <agent> <text...>')
    .description('send the agent a review comment as its next message')
    .option('-f, --file <file>', 'the file it is about')
    .option('-l, --line <line>', 'the line it is about', count)
    .action((ref: string, text: string[], opts: { file?: string; line?: number }) =>
      agentAction('agent_comment', {
        agent: ref,
        text: text.join(' '),
        ...(opts.file ? { file: opts.file } : {}),
        ...(opts.line ? { line: opts.line } : {}),
      }),
    );

  agent
    .command('discard <agent>')
    .description('end the agent and delete its work tree and branch, with all its changes')
    .option('-y, --yes', 'yes, delete them')
    .action((ref: string, opts: { yes?: boolean }) =>
      run(async (tools, out) => {
        if (!opts.yes)
          throw new Error(
            `this deletes the changes and branch of agent '${ref}' for good; run again with --yes to do it`,
          );
        const { agent: a } = await tools.call('agent_discard', { agent: ref, confirm: true });
        if (out.json) return printJson({ agent: a });
        console.log(`${untrusted(a.agent)}: its work tree and branch are gone`);
      }),
    );
}
