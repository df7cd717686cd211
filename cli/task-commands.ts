import type { Command } from 'commander';
import type { ResultOf } from '../host/tool-results.js';
import { count } from './options.js';
import { ago, bold, dim, printJson, status, table, untrusted } from './render.js';
import { run } from './run.js';

type Task = ResultOf<'task_status'>['task'];

function report(t: Task): string {
  const lines = [
    `${bold(untrusted(t.id))} ${status(t.status)} ${untrusted(t.text.length > 80 ? `${t.text.slice(0, 77)}…` : t.text)}`,
  ];
  const r = t.result;
  if (r?.type) lines.push(dim(`  ${untrusted(r.type)}, complexity ${r.complexity?.toFixed(2)}`));
  for (const s of r?.subtasks ?? []) {
    const fixes = s.corrections.length
      ? dim(` after ${s.corrections.length} correction${s.corrections.length === 1 ? '' : 's'}`)
      : '';
    lines.push(
      `  ${untrusted(s.agent)} ${status(s.status)}${fixes} ${untrusted(s.title)}${s.reason ? dim(` — ${untrusted(s.reason)}`) : ''}`,
    );
    if (s.branch) {
      const landed = s.merge ? `merged as ${untrusted(s.merge.slice(0, 12))}` : 'not merged';
      const files = (s.changed ?? []).map(
        (f) => `${untrusted(f.path)} ${f.added === null ? 'binary' : `+${f.added} -${f.removed}`}`,
      );
      lines.push(dim(`    ${untrusted(s.branch)}, ${landed}${files.length ? `: ${files.join(', ')}` : ''}`));
    }
  }
  if (r?.branch) lines.push(dim(`  into branch ${untrusted(r.branch)}`));
  if (t.status === 'waiting_for_review')
    lines.push('  waiting for your review: optagon agent diff <agent>, then optagon agent merge <agent> (or discard)');
  if (r?.error) lines.push(`  error: ${untrusted(r.error)}`);
  if (r?.episode) lines.push(dim(`  remembered as episode ${untrusted(r.episode)}`));
  return lines.join('\n');
}

/** `optagon task`: the manager agent's tasks. `run` stays and shows progress as it comes. */
export function registerTaskCommands(program: Command): void {
  const task = program
    .command('task')
    .description('give the manager agent a task: it plans, runs Claude Code agents, reviews and remembers');

  task
    .command('run <task>')
    .description('run a task in a frame and show its progress live (Ctrl-C cancels it)')
    .requiredOption('-f, --frame <frame>', 'the frame (running) whose agents do the work')
    .action((text: string, opts: { frame: string }) =>
      run(async (tools, out) => {
        const { task: t } = await tools.call(
          'task_assign',
          { frame: opts.frame, task: text, wait: true },
          (message) => {
            if (!out.json) process.stderr.write(`${dim(new Date().toLocaleTimeString())} ${untrusted(message)}\n`);
          },
        );
        if (out.json) return printJson({ task: t });
        console.log(report(t));
        // 3: the work is there and waits for you (as agent merge's conflict); 1: it did not get done.
        if (t.status === 'waiting_for_review') process.exitCode = 3;
        else if (t.status !== 'done' && t.status !== 'planned') process.exitCode = 1;
      }),
    );

  task
    .command('list')
    .description('tasks, newest first')
    .option('-f, --frame <frame>', 'only this frame')
    .option('-n, --limit <n>', 'how many', count, 20)
    .action((opts: { frame?: string; limit: number }) =>
      run(async (tools, out) => {
        const { tasks } = await tools.call('task_list', {
          ...(opts.frame ? { frame: opts.frame } : {}),
          limit: opts.limit,
        });
        if (out.json) return printJson({ tasks });
        if (!tasks.length) return console.log(dim('no tasks yet; optagon task run "<task>" --frame <frame>'));
        console.log(
          table(
            ['ID', 'STATUS', 'SUBTASKS', 'STARTED', 'TASK'],
            tasks.map((t) => [
              untrusted(t.id),
              status(t.status),
              String(t.result?.subtasks?.length ?? '-'),
              ago(new Date(t.createdAt).toISOString()),
              untrusted(t.text.slice(0, 60)),
            ]),
          ),
        );
      }),
    );

  task
    .command('status <id>')
    .description("a task's progress and result")
    .action((id: string) =>
      run(async (tools, out) => {
        const { task: t } = await tools.call('task_status', { task: id });
        if (out.json) return printJson({ task: t });
        console.log(report(t));
        for (const e of t.events.slice(-15))
          console.log(`  ${dim(new Date(e.at).toLocaleTimeString())} ${untrusted(e.message)}`);
      }),
    );

  task
    .command('cancel <id>')
    .description('stop a running task and its agents')
    .action((id: string) =>
      run(async (tools, out) => {
        const { task: t } = await tools.call('task_cancel', { task: id });
        if (out.json) return printJson({ task: t });
        console.log(report(t));
      }),
    );
}
