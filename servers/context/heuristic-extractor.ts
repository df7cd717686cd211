/** What one episode yields: entities by name, and facts between them (by name too). */
export interface Extraction {
  entities: Array<{ name: string; labels: string[]; summary?: string }>;
  facts: Array<{ source: string; target: string; name: string; fact: string; replaces?: boolean }>;
}

export interface EpisodeInput {
  name: string;
  content: string;
  source: 'message' | 'text' | 'json';
  sourceDescription: string;
}

// What development history is made of, recognised without a model.
const FILE_PATH =
  /(?<![\w@/])((?:[\w.-]+\/)+[\w.-]+\.[A-Za-z0-9]{1,8}|[\w-]+\.(?:ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|rb|md|json|ya?ml|toml|sh|css|html|sql))(?![\w/])/g;
const BACKTICKED = /`([^`\n]{1,80})`/g;
const COMMIT_HASH = /\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b/g;
const ERROR_TYPE = /\b[A-Z][A-Za-z0-9]*(?:Error|Exception)\b/g;
const NPM_PACKAGE = /\b(?:npm (?:i|install|add)|yarn add|pnpm add)\s+((?:@[\w.-]+\/)?[\w.-]+)/g;
/**
 * "<Subject> uses <Thing>" states a current fact; "moved/switched/migrated to <Thing>" states one
 * that replaces what the subject used before. The subject is a capitalised name or a backticked one
 * ("the Billing service" is Billing).
 */
const USES =
  /\b(?:[Tt]he\s+)?([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)?|`[^`\n]+`)(?:\s+(?:service|module|app|server|client|library|package|frontend|backend|database|worker|layer|component|job|site|cli|api))?\s+(?:now\s+)?(uses|moved to|switched to|migrated to|runs on)\s+(`[^`\n]+`|[A-Za-z][\w+#-]*(?:\.[\w+#-]+)*)/g; // dots inside (Node.js), not a full stop after

const unquote = (s: string) => s.replace(/^`|`$/g, '');
const looksLikeFile = (s: string) => new RegExp(FILE_PATH.source).test(s); // a fresh copy: the /g one keeps state

class Collector implements Extraction {
  entities: Extraction['entities'] = [];
  facts: Extraction['facts'] = [];
  private seen = new Set<string>();

  entity(name: string, label: string, summary?: string): string {
    const clean = name.trim();
    const key = clean.toLowerCase();
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.entities.push({ name: clean, labels: [label], ...(summary ? { summary } : {}) });
    }
    return clean;
  }

  fact(source: string, target: string, name: string, fact: string, replaces = false): void {
    if (source.toLowerCase() === target.toLowerCase()) return;
    this.facts.push({ source, target, name, fact, ...(replaces ? { replaces } : {}) });
  }
}

/** Node.js, Vue.js, Three.js: a capitalised bare name ending in .js is a technology, not a file. */
const JS_TECHNOLOGY = /^[A-Z][A-Za-z0-9]*\.js$/;

function fromText(text: string, c: Collector): void {
  for (const m of text.matchAll(FILE_PATH)) if (!JS_TECHNOLOGY.test(m[1]!)) c.entity(m[1]!, 'File');
  for (const m of text.matchAll(BACKTICKED)) if (!looksLikeFile(m[1]!)) c.entity(m[1]!, 'Symbol');
  for (const m of text.matchAll(COMMIT_HASH)) c.entity(`commit ${m[0].slice(0, 12)}`, 'Commit');
  for (const m of text.matchAll(ERROR_TYPE)) c.entity(m[0], 'Error');
  for (const m of text.matchAll(NPM_PACKAGE)) c.entity(m[1]!, 'Package');
  for (const m of text.matchAll(USES)) {
    const subject = c.entity(unquote(m[1]!), 'Component');
    const thing = c.entity(unquote(m[3]!), 'Technology');
    const verb = m[2]!;
    const replaces = /moved|switched|migrated/.test(verb);
    c.fact(
      subject,
      thing,
      verb === 'runs on' ? 'RUNS_ON' : 'USES',
      `${subject} ${verb === 'runs on' ? 'runs on' : 'uses'} ${thing}`,
      replaces,
    );
  }
}

interface CommitJson {
  type: 'commit';
  hash: string;
  subject: string;
  body?: string;
  author?: string;
  files?: string[];
  /** Files the commit deleted (also among `files`). */
  deleted?: string[];
}

function fromCommit(commit: CommitJson, c: Collector): void {
  const id = c.entity(`commit ${commit.hash.slice(0, 12)}`, 'Commit', commit.subject);
  if (commit.author) {
    const author = c.entity(commit.author, 'Person');
    c.fact(author, id, 'AUTHORED', `${author} authored ${id}: ${commit.subject}`);
  }
  const deleted = new Set(commit.deleted ?? []);
  for (const file of commit.files ?? []) {
    const f = c.entity(file, 'File');
    if (deleted.has(file)) c.fact(id, f, 'DELETES', `${id} (${commit.subject}) deletes ${f}`);
    else c.fact(id, f, 'MODIFIES', `${id} (${commit.subject}) modifies ${f}`);
  }
  const message = `${commit.subject}\n${commit.body ?? ''}`;
  if (/\bfix(e[sd])?\b/i.test(message)) {
    for (const m of message.matchAll(ERROR_TYPE)) {
      const e = c.entity(m[0], 'Error');
      c.fact(id, e, 'FIXES', `${id} (${commit.subject}) fixes ${e}`);
    }
  }
  fromText(message, c);
}

/** An agent's turn as AutoIngest writes it (what it was asked, said and did). */
interface AgentTurnJson {
  type: 'agent_turn';
  agent: string;
  prompt?: string;
  reply?: string;
  files?: string[];
  commands?: string[];
  errors?: string[];
}

function fromAgentTurn(t: AgentTurnJson, c: Collector): void {
  const agent = c.entity(`agent ${t.agent}`, 'Agent', t.prompt?.split('\n')[0]?.slice(0, 200));
  const asked = (t.prompt ?? '').split('\n')[0]!.slice(0, 120);
  for (const file of t.files ?? []) {
    const f = c.entity(file, 'File');
    c.fact(agent, f, 'MODIFIES', `${agent} modified ${f}${asked ? ` (asked: ${asked})` : ''}`);
  }
  for (const m of (t.errors ?? []).join('\n').matchAll(ERROR_TYPE)) {
    const e = c.entity(m[0], 'Error');
    c.fact(agent, e, 'ENCOUNTERED', `${agent} ran into ${e}${asked ? ` (asked: ${asked})` : ''}`);
  }
  fromText(`${t.prompt ?? ''}\n${t.reply ?? ''}`, c);
}

interface DecisionJson {
  type: 'decision' | 'task';
  title: string;
  about?: string;
  decision?: string;
  status?: string;
}

function fromDecision(d: DecisionJson, c: Collector): void {
  const label = d.type === 'decision' ? 'Decision' : 'Task';
  const title = c.entity(d.title, label, d.decision ?? d.status);
  if (d.about) {
    const about = c.entity(d.about, 'Component');
    // The decision's text stays in the title's summary, not in this sentence: what it states
    // ("X moved to Y") gets facts of its own below, which a later change invalidates, while this
    // fact stays current.
    c.fact(
      title,
      about,
      d.type === 'decision' ? 'DECIDED_ABOUT' : 'CONCERNS',
      `${label.toLowerCase()} "${title}" ${d.type === 'decision' ? 'decided about' : 'concerns'} ${about}`,
    );
  }
  fromText(`${d.title}\n${d.decision ?? ''}`, c);
}

/**
 * Extraction without a model: deterministic, and fast enough for thousands of episodes a second.
 * Structured episodes (JSON commits, decisions, tasks) give facts from their fields; free text
 * gives the entities dev history names (files, `symbols`, commit hashes, error types, packages)
 * and "X uses Y" / "X moved to Y" facts.
 */
export function extractHeuristic(episode: EpisodeInput): Extraction {
  const c = new Collector();
  if (episode.source === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(episode.content);
    } catch (err) {
      throw new Error(`the episode says source json but its content is not JSON (${(err as Error).message})`);
    }
    const v = value as { type?: string };
    if (v?.type === 'commit') fromCommit(value as CommitJson, c);
    else if (v?.type === 'agent_turn' && typeof (value as AgentTurnJson).agent === 'string')
      fromAgentTurn(value as AgentTurnJson, c);
    else if (v?.type === 'decision' || v?.type === 'task') fromDecision(value as DecisionJson, c);
    else fromText(JSON.stringify(value), c);
  } else {
    fromText(episode.content, c);
  }
  return c;
}
