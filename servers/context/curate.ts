import { shortened } from '../shared/human-units.js';
import { estimateTokens } from '../shared/llm-provider.js';
import type { ContextBackend } from './backend.js';
import type { Entity, Episode, Fact } from './model.js';

export interface Curated {
  text: string;
  tokens: number;
  budgetTokens: number;
  truncated: boolean;
  facts: Fact[];
  entities: Entity[];
  episodes: Episode[];
  /** The files the related episodes point at, most likely involved first. */
  files: string[];
}

const day = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().slice(0, 10));
const oneLine = (s: string, max: number) => shortened(s.replace(/\s+/g, ' ').trim(), max);

const factLine = (f: Fact) => `- ${oneLine(f.fact, 300)}${f.validAt ? ` (since ${day(f.validAt)})` : ''}`;
const entityLine = (e: Entity) =>
  `- ${e.name}${e.labels.length ? ` [${e.labels.join(', ')}]` : ''}${e.summary ? `: ${oneLine(e.summary, 200)}` : ''}`;

/** A section's lines as items are added, and what the next item would cost in tokens. */
class PlainLines<T> {
  private readonly kept: string[] = [];
  constructor(private readonly line: (item: T) => string) {}
  cost(item: T): number {
    return estimateTokens(this.line(item)) + 1;
  }
  add(item: T): void {
    this.kept.push(this.line(item));
  }
  lines(): string[] {
    return this.kept;
  }
}

/**
 * The likely files, one line per folder in the order of each folder's likeliest file, its files in
 * shell brace form (`- src/api/{user.ts,auth.ts}`): unambiguous and copy-pasteable, and a folder
 * is written once, so the same budget names about a third more files than a line per path.
 */
class FolderLines {
  private readonly folders = new Map<string, string[]>();

  /** The tokens adding `file` costs now (its folder's line is longer, or a new line). */
  cost(file: string): number {
    const { folder, name } = splitPath(file);
    const names = this.folders.get(folder);
    if (!names) return estimateTokens(`- ${file}`) + 1;
    return estimateTokens(folderLine(folder, [...names, name])) - estimateTokens(folderLine(folder, names));
  }

  add(file: string): void {
    const { folder, name } = splitPath(file);
    this.folders.set(folder, [...(this.folders.get(folder) ?? []), name]);
  }

  lines(): string[] {
    return [...this.folders].map(([folder, names]) => folderLine(folder, names));
  }
}

const splitPath = (file: string) => {
  const slash = file.lastIndexOf('/');
  const name = file.slice(slash + 1);
  // A name braces would make ambiguous has a line of its own (keyed by its path, never a folder's).
  return /[{},]/.test(name) ? { folder: file, name: '' } : { folder: file.slice(0, slash + 1), name };
};
const folderLine = (folder: string, names: string[]) =>
  names.length === 1 ? `- ${folder}${names[0]}` : `- ${folder}{${names.join(',')}}`;
/** Whole paths up to about `max` characters, then how many more: half a path names no file. */
function paths(files: string[], max: number): string {
  const shown: string[] = [];
  let length = 0;
  for (const f of files) {
    if (shown.length && length + f.length > max) break;
    shown.push(f);
    length += f.length + 2;
  }
  return shown.join(', ') + (shown.length < files.length ? ` and ${files.length - shown.length} more` : '');
}
/**
 * A commit or an agent's turn as its name and files (its JSON is for machines), the files already
 * listed above only counted; any other episode as its text.
 */
function episodeLine(e: Episode, listed: ReadonlySet<string>): string {
  if (e.source === 'json') {
    try {
      const c = JSON.parse(e.content) as { type?: string; files?: string[] };
      if (c.type === 'commit' || c.type === 'agent_turn') {
        const files = c.files ?? [];
        const others = files.filter((f) => !listed.has(f));
        const seen = files.length - others.length;
        const what = [...(others.length ? [paths(others, 300)] : []), ...(seen ? [`${seen} listed above`] : [])];
        return `- ${day(e.validAt)} ${oneLine(e.name, 160)}${what.length ? ` (${what.join('; ')})` : ''}`;
      }
    } catch {
      // not JSON after all: shown as text
    }
  }
  return `- ${day(e.validAt)} ${oneLine(e.name, 120)}: ${oneLine(e.content, 300)}`;
}

/** Share of the budget each section may take before the others had their turn. */
const SHARES = { files: 0.45, episodes: 0.35, facts: 0.1, entities: 0.1 };
/** Related episodes and files asked for (more than fit: the budget decides). */
const EPISODES = 20;

/**
 * The knowledge an agent should start a task with: the files likely involved and the past work
 * related to the task (searchEpisodes: a commit's subject with its files is what an agent needs;
 * none superseded, none merely recent), the current facts most relevant to it and the entities it
 * names, without duplicates, packed into a token budget as one text block (what goes into the
 * agent's first message) and its parts.
 */
export async function curate(
  backend: ContextBackend,
  groupIds: string[],
  task: string,
  budgetTokens: number,
  title: string,
): Promise<Curated> {
  const [allFacts, entities, found] = await Promise.all([
    // Stale facts too: they tell which episodes are superseded.
    backend.searchFacts(groupIds, { query: task, limit: 80, currentOnly: false, reranker: 'mmr' }),
    backend.searchNodes(groupIds, { query: task, limit: 30 }),
    backend.searchEpisodes(groupIds, { query: task, limit: EPISODES }),
  ]);
  // An episode whose facts here have all stopped being true would tell the agent something stale.
  const current = allFacts.filter((f) => f.invalidAt === null && f.expiredAt === null);
  const backing = new Set(current.flatMap((f) => f.episodes));
  const superseded = new Set(
    allFacts
      .filter((f) => f.invalidAt !== null)
      .flatMap((f) => f.episodes)
      .filter((e) => !backing.has(e)),
  );
  const seenFacts = new Set<string>();
  const uniqueFacts = current.filter((f) => {
    const key = f.fact.toLowerCase().replace(/\s+/g, ' ');
    return !seenFacts.has(key) && (seenFacts.add(key), true);
  });
  // An entity with nothing to say beyond its name is already in the facts that name it.
  const named = new Set(uniqueFacts.flatMap((f) => [f.source.toLowerCase(), f.target.toLowerCase()]));
  const usefulEntities = entities.filter((e) => e.summary || !named.has(e.name.toLowerCase()));
  const related = found.episodes.filter((e) => e.status === 'processed' && !superseded.has(e.uuid));
  const files = found.files.map((f) => f.name);

  const header = `# What Optagon knows for this task (${title})`;
  const chosen = { facts: [] as Fact[], entities: [] as Entity[], episodes: [] as Episode[], files: [] as string[] };
  const sections = [
    { key: 'files' as const, heading: '## Files likely involved', items: files, lines: new FolderLines() },
    {
      key: 'episodes' as const,
      heading: '## Related past work',
      items: related,
      lines: new PlainLines((e: Episode) => episodeLine(e, new Set(chosen.files))),
    },
    { key: 'facts' as const, heading: '## Facts (current)', items: uniqueFacts, lines: new PlainLines(factLine) },
    { key: 'entities' as const, heading: '## Entities', items: usefulEntities, lines: new PlainLines(entityLine) },
  ];
  let used = estimateTokens(header) + 1;
  if (budgetTokens <= used)
    return {
      text: '',
      tokens: 0,
      budgetTokens,
      truncated: uniqueFacts.length + usefulEntities.length + related.length + files.length > 0,
      ...chosen,
    };
  // Two passes: each section up to its share of the budget, then whatever is left, in section order.
  const spent = { facts: 0, entities: 0, episodes: 0, files: 0 };
  for (const pass of [0, 1]) {
    for (const s of sections) {
      const have = chosen[s.key] as unknown[];
      for (const item of s.items.slice(have.length)) {
        const cost = s.lines.cost(item as never) + (have.length ? 0 : estimateTokens(s.heading) + 2);
        if (used + cost > budgetTokens || (pass === 0 && spent[s.key] + cost > budgetTokens * SHARES[s.key])) break;
        s.lines.add(item as never);
        have.push(item);
        used += cost;
        spent[s.key] += cost;
      }
    }
  }
  const truncated = sections.some((s) => chosen[s.key].length < s.items.length);
  const body = sections.filter((s) => chosen[s.key].length).map((s) => `${s.heading}\n${s.lines.lines().join('\n')}`);
  const text = body.length ? `${header}\n\n${body.join('\n\n')}\n` : '';
  return { text, tokens: estimateTokens(text), budgetTokens, truncated, ...chosen };
}
