import type { Command } from 'commander';
import type { ResultOf } from '../host/tool-results.js';
import { count } from './options.js';
import { bold, dim, printJson, red, table, untrusted, untrustedText } from './render.js';
import { run } from './run.js';

type Fact = ResultOf<'context_search'>['facts'][number];
type Episode = ResultOf<'context_add_episode'>['episode'];

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '?');

/** A fact with when it held: "since …", or "… to …" once it stopped. */
const factLine = (f: Fact) =>
  `${f.invalidAt ? dim(untrusted(f.fact)) : untrusted(f.fact)}  ${dim(f.invalidAt ? `(${untrusted(day(f.validAt))} to ${untrusted(day(f.invalidAt))})` : `(since ${untrusted(day(f.validAt))})`)}`;

/** "1 episodes, 2 facts": what a deletion removed (the group id aside). */
const removed = (r: Record<string, number | string>) =>
  Object.entries(r)
    .filter(([k]) => k !== 'groupId')
    .map(([k, v]) => untrusted(`${v} ${k}`))
    .join(', ');

const episodeState = (e: Episode) =>
  e.status === 'failed' ? red(`failed: ${untrusted(e.error ?? '')}`) : untrusted(e.status);

export function registerContextCommands(program: Command): void {
  const context = program
    .command('context')
    .description("a frame's knowledge graph: what happened in it, searchable by agents and by you");

  context
    .command('add <frame> <text...>')
    .description('remember a note (waits until it is processed)')
    .option('-n, --name <name>', 'a title for it', 'note')
    .option('--at <time>', 'when it happened (ISO 8601; default now)')
    .option('--json-source', 'the text is JSON, e.g. {"type":"decision","title":...}')
    .action((frame: string, text: string[], opts: { name: string; at?: string; jsonSource?: boolean }) =>
      run(async (tools, out) => {
        const r = await tools.call('context_add_episode', {
          frame,
          name: opts.name,
          content: text.join(' '),
          source: opts.jsonSource ? 'json' : 'text',
          ...(opts.at ? { valid_at: new Date(opts.at).toISOString() } : {}),
          wait: true, // without a daemon the process would exit before the queue ran
        });
        if (out.json) return printJson(r);
        console.log(`${bold(untrusted(r.episode.name))} ${episodeState(r.episode)} ${dim(untrusted(r.episode.uuid))}`);
        if (r.episode.status === 'failed') process.exitCode = 1;
      }),
    );

  context
    .command('ingest-git <frame>')
    .description("remember the workspace's commits (each once)")
    .option('--since <when>', 'only commits after this (a date, or "2 weeks ago")')
    .option('--max <n>', 'at most this many commits', count)
    .action((frame: string, opts: { since?: string; max?: number }) =>
      run(async (tools, out) => {
        const r = await tools.call(
          'context_ingest_git',
          { frame, ...(opts.since ? { since: opts.since } : {}), ...(opts.max ? { max: opts.max } : {}) },
          (m) => {
            if (!out.json) process.stderr.write(dim(`${untrusted(m)}\n`));
          },
        );
        if (out.json) return printJson(r);
        console.log(
          `${r.commits} commits: ${r.added} added, ${r.skipped} already known${r.failed ? red(`, ${r.failed} failed (optagon context episodes ${frame})`) : ''}`,
        );
      }),
    );

  context
    .command('search <frame> <query...>')
    .description('facts that match, current ones only unless --all or --as-of')
    .option('-l, --limit <n>', 'how many', count, 10)
    .option('-a, --all', 'include facts that stopped being true')
    .option('--as-of <time>', 'what was true at that time (ISO 8601)')
    .option('--mmr', 'spread the results over different subjects')
    .option('--near <entity>', 'facts nearest this entity first')
    .action(
      (
        frame: string,
        query: string[],
        opts: { limit: number; all?: boolean; asOf?: string; mmr?: boolean; near?: string },
      ) =>
        run(async (tools, out) => {
          const r = await tools.call('context_search', {
            frame,
            query: query.join(' '),
            limit: opts.limit,
            current_only: !opts.all,
            ...(opts.asOf ? { as_of: new Date(opts.asOf).toISOString() } : {}),
            ...(opts.near
              ? { reranker: 'node_distance', center_node: opts.near }
              : opts.mmr
                ? { reranker: 'mmr' }
                : {}),
          });
          if (out.json) return printJson(r);
          if (!r.facts.length)
            return console.log(`nothing known about that in ${frame}; add some: optagon context ingest-git ${frame}`);
          for (const f of r.facts) console.log(factLine(f));
        }),
    );

  context
    .command('nodes <frame> <query...>')
    .description('entities (files, components, packages, people, ...) that match')
    .option('-l, --limit <n>', 'how many', count, 10)
    .option('--label <label...>', 'only these kinds, e.g. File Person')
    .action((frame: string, query: string[], opts: { limit: number; label?: string[] }) =>
      run(async (tools, out) => {
        const r = await tools.call('context_search_nodes', {
          frame,
          query: query.join(' '),
          limit: opts.limit,
          ...(opts.label ? { labels: opts.label } : {}),
        });
        if (out.json) return printJson(r);
        console.log(
          table(
            ['NAME', 'LABELS', 'SUMMARY'],
            r.nodes.map((n) => [untrusted(n.name), untrusted(n.labels.join(',')), untrusted(n.summary)]),
          ),
        );
      }),
    );

  context
    .command('episodes <frame>')
    .description('what was remembered, newest first, and how processing went')
    .option('-l, --limit <n>', 'how many', count, 20)
    .option('--cursor <uuid>', 'the page after this episode (the last line of the page before says it)')
    .action((frame: string, opts: { limit: number; cursor?: string }) =>
      run(async (tools, out) => {
        const r = await tools.call('context_get_episodes', {
          frame,
          limit: opts.limit,
          ...(opts.cursor ? { cursor: opts.cursor } : {}),
        });
        if (out.json) return printJson(r);
        console.log(
          table(
            ['WHEN', 'NAME', 'STATE', 'UUID'],
            r.episodes.map((e) => [
              untrusted(day(e.validAt)),
              untrusted(e.name.slice(0, 60)),
              episodeState(e),
              untrusted(e.uuid),
            ]),
          ),
        );
        if (r.next_cursor) console.log(`more: optagon context episodes ${frame} --cursor ${r.next_cursor}`);
      }),
    );

  context
    .command('status <frame>')
    .description('queue and graph size')
    .action((frame: string) =>
      run(async (tools, out) => {
        const r = await tools.call('context_status', { frame });
        if (out.json) return printJson(r);
        const e = r.episodes;
        console.log(`${bold(untrusted(r.backend))} backend${r.message ? dim(` (${untrusted(r.message)})`) : ''}`);
        console.log(
          `episodes: ${e.processed} processed, ${e.queued + e.processing} waiting${e.failed ? red(`, ${e.failed} failed`) : ''}`,
        );
        if (r.facts !== undefined)
          console.log(`facts: ${r.currentFacts} current of ${r.facts}; entities: ${r.entities}`);
      }),
    );

  context
    .command('curate <frame> <task...>')
    .description('the context block an agent gets for this task')
    .option('-b, --budget <tokens>', 'token budget (default: the frame config, else 8000)', count)
    .action((frame: string, task: string[], opts: { budget?: number }) =>
      run(async (tools, out) => {
        const r = await tools.call('context_curate', {
          frame,
          task: task.join(' '),
          ...(opts.budget ? { budget_tokens: opts.budget } : {}),
        });
        if (out.json) return printJson(r);
        process.stdout.write(untrustedText(r.text) || `nothing known for that task in ${frame}\n`);
        process.stderr.write(dim(`~${r.tokens} of ${r.budgetTokens} tokens${r.truncated ? ', some left out' : ''}\n`));
      }),
    );

  context
    .command('forget <frame> <episode>')
    .description('delete an episode and what only it produced (uuid from `context episodes`)')
    .action((frame: string, uuid: string) =>
      run(async (tools, out) => {
        const r = await tools.call('context_delete_episode', { frame, uuid });
        if (out.json) return printJson(r);
        console.log(`deleted: ${removed(r)}`);
      }),
    );

  context
    .command('clear <frame>')
    .description("delete the frame's whole knowledge graph (not its workspace)")
    .option('-y, --yes', 'yes, delete it')
    .action((frame: string, opts: { yes?: boolean }) =>
      run(async (tools, out) => {
        if (!opts.yes)
          throw new Error(`this deletes everything ${frame}'s knowledge graph holds; run again with --yes`);
        const r = await tools.call('context_clear_group', { frame, confirm: true });
        if (out.json) return printJson(r);
        console.log(`cleared ${untrusted(r.groupId)}: ${removed(r)}`);
      }),
    );
}
