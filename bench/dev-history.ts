import type { NewEpisode } from '../servers/context/backend.js';

/**
 * Generated development history for the context benchmarks: commits as context_ingest_git writes
 * them (JSON, deduplicated by hash), decisions and tasks as JSON, and free-text notes, some of which
 * say which technology a component uses and, later, what it moved to. Deterministic for a seed, so
 * every run (and a cached database, keyed by GENERATOR_VERSION) sees the same history; it keeps
 * the ground truth it generated, from which `questions` makes a question set with known answers.
 */
export const GENERATOR_VERSION = 1;

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AUTHORS = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Donald Knuth',
  'Ken Thompson',
  'Dennis Ritchie',
  'Margaret Hamilton',
  'John Backus',
  'Frances Allen',
  'Niklaus Wirth',
  'Leslie Lamport',
  'Radia Perlman',
  'Tony Hoare',
  'Butler Lampson',
  'Shafi Goldwasser',
  'Adele Goldberg',
  'Bjarne Stroustrup',
  'Guido van Rossum',
  'Anders Hejlsberg',
  'Joe Armstrong',
  'Rich Hickey',
  'Sophie Wilson',
  'Karen Jones',
  'Hedy Lamarr',
  'Jean Sammet',
  'Kathleen Booth',
  'Linus Torvalds',
  'Yukihiro Matsumoto',
];
/** Components: capitalised names a note can say "The X service uses Y" of; none fuzzily near another. */
const COMPONENTS = [
  'Billing',
  'Checkout',
  'Ledger',
  'Inventory',
  'Catalog',
  'Gateway',
  'Notifications',
  'Reporting',
  'Scheduler',
  'Analytics',
  'Onboarding',
  'Payments',
  'Shipping',
  'Invoicing',
  'Accounts',
  'Profiles',
  'Messaging',
  'Uploads',
  'Exports',
  'Audit',
  'Pricing',
  'Recommendations',
  'Webhooks',
  'Sessions',
  'Metrics',
  'Alerts',
  'Feeds',
  'Comments',
  'Ratings',
  'Subscriptions',
  'Coupons',
  'Refunds',
  'Tenancy',
  'Permissions',
  'Imports',
  'Thumbnails',
  'Translations',
  'Warehouse',
  'Loyalty',
  'Dispatch',
  'Courier',
  'Identity',
  'Compliance',
  'Forecasting',
  'Payroll',
  'Ticketing',
  'Marketplace',
  'Telemetry',
  'Geocoding',
  'Chat',
];
const KINDS = ['service', 'worker', 'backend', 'module', 'app'];
/** What a component uses (one at a time: moving to another replaces it) and what it runs on (never replaced). */
const TECH = [
  'Postgres',
  'MySQL',
  'SQLite',
  'MongoDB',
  'DynamoDB',
  'Cassandra',
  'Redis',
  'Memcached',
  'Kafka',
  'RabbitMQ',
  'NATS',
  'gRPC',
  'REST',
  'GraphQL',
  'Elasticsearch',
  'ClickHouse',
  'Thrift',
  'CockroachDB',
];
const PLATFORMS = ['Kubernetes', 'Nomad', 'Lambda', 'Fargate', 'Heroku'];
const AREAS = [
  'net',
  'config',
  'billing',
  'auth',
  'api',
  'db',
  'ui',
  'cli',
  'jobs',
  'search',
  'metrics',
  'cache',
  'storage',
  'users',
  'orders',
  'payments',
  'notifications',
  'reports',
  'admin',
  'i18n',
  'logging',
  'queue',
  'workers',
  'email',
  'export',
];
const SUBDIRS = ['', '', 'handlers', 'models', 'utils', 'services', 'routes', 'lib', 'adapters', 'internal'];
const BASENAMES = [
  'client',
  'server',
  'index',
  'parser',
  'retry',
  'session',
  'router',
  'schema',
  'store',
  'types',
  'helpers',
  'validator',
  'serializer',
  'cache',
  'pool',
  'loader',
  'queue',
  'worker',
  'scheduler',
  'token',
  'crypto',
  'format',
  'limits',
  'backoff',
  'middleware',
  'errors',
  'events',
  'mapper',
  'registry',
  'transport',
];
const VERBS = [
  'parse',
  'load',
  'fetch',
  'validate',
  'render',
  'build',
  'resolve',
  'compute',
  'handle',
  'create',
  'update',
  'delete',
  'serialize',
  'normalize',
];
const NOUNS = [
  'Config',
  'User',
  'Token',
  'Order',
  'Invoice',
  'Session',
  'Request',
  'Response',
  'Payload',
  'Schema',
  'Cache',
  'Route',
  'Query',
  'Report',
  'Event',
  'Message',
];
const ERRORS = [
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'TimeoutError',
  'ValidationError',
  'NotFoundError',
  'ConnectionResetError',
  'AbortError',
  'QuotaExceededError',
  'SerializationError',
  'ConflictError',
];
const PACKAGES = [
  'zod',
  'lodash',
  'undici',
  'pino',
  'yaml',
  'commander',
  'execa',
  'date-fns',
  'uuid',
  'ws',
  'ioredis',
  'pg',
];
const FEATURES = [
  'caching',
  'pagination',
  'rate limiting',
  'metrics',
  'tracing',
  'a dry-run flag',
  'input validation',
  'logging',
];

/** An episode as the benchmark feeds it to addEpisode. */
export type GeneratedEpisode = NewEpisode & { validAt: number };

/** A question with a known answer: `answer` is current; `stale` are answers that were true once (traps). */
export interface Question {
  kind: 'files' | 'author' | 'uses';
  text: string;
  answer: string;
  stale: string[];
}

interface CommitTruth {
  subject: string;
  author: string;
  files: string[];
}

const T0 = Date.UTC(2024, 0, 1);
const STEP_MS = 7 * 60_000; // an episode every seven minutes of history

export class DevHistory {
  private readonly rand: () => number;
  private readonly files: string[];
  private readonly symbols: string[];
  private emitted = 0;
  private readonly commits: CommitTruth[] = [];
  private readonly subjectCount = new Map<string, number>();
  /** Each component's technologies in order; the last is current. */
  private readonly uses = new Map<string, string[]>();
  private readonly platform = new Map<string, string>();

  constructor(seed = 5) {
    this.rand = prng(seed);
    const paths = new Set<string>();
    // A few thousand paths: src/<area>/[<subdir>/]<name>.<ext>, tests and docs beside them.
    while (paths.size < 3000) {
      const area = this.pick(AREAS);
      const sub = this.pick(SUBDIRS);
      const base = this.pick(BASENAMES);
      const r = this.rand();
      const dir = `${area}/${sub ? `${sub}/` : ''}`;
      if (r < 0.7) paths.add(`src/${dir}${base}.${this.rand() < 0.85 ? 'ts' : 'tsx'}`);
      else if (r < 0.9) paths.add(`test/${dir}${base}.test.ts`);
      else if (r < 0.95) paths.add(`docs/${area}/${base}.md`);
      else paths.add(`config/${area}/${base}.${this.pick(['json', 'yaml', 'toml'])}`);
    }
    this.files = [...paths];
    this.symbols = VERBS.flatMap((v) => NOUNS.map((n) => `${v}${n}`));
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }

  /** Skewed towards the front of the list: a few hot files, symbols and authors, a long tail. */
  private pickHot<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() ** 2 * list.length)]!;
  }

  private hash(): string {
    let h = '';
    for (let i = 0; i < 5; i++)
      h += Math.floor(this.rand() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return h;
  }

  /** How many episodes have been generated so far. */
  get count(): number {
    return this.emitted;
  }

  /** The next `n` episodes, oldest first. */
  next(n: number): GeneratedEpisode[] {
    const out: GeneratedEpisode[] = [];
    for (let i = 0; i < n; i++) {
      const validAt = T0 + this.emitted * STEP_MS;
      const r = this.rand();
      const ep = r < 0.75 ? this.commit() : r < 0.87 ? this.decisionOrTask() : r < 0.9 ? this.techNote() : this.note();
      out.push({ ...ep, validAt });
      this.emitted++;
    }
    return out;
  }

  private subject(files: string[]): string {
    const sym = this.pickHot(this.symbols);
    const file = files[0]!;
    switch (Math.floor(this.rand() * 12)) {
      case 0:
      case 1:
        return `Fix ${this.pick(ERRORS)} in \`${sym}\``;
      case 2:
        return `Add retry to ${file}`;
      case 3:
        return `Add ${this.pick(FEATURES)} to \`${sym}\``;
      case 4:
        return `Refactor \`${sym}\` in ${file}`;
      case 5:
        return `Rename \`${sym}\` to \`${this.pick(this.symbols)}\``;
      case 6:
        return `Remove dead code from ${file}`;
      case 7:
        return `Bump ${this.pick(PACKAGES)} to ${1 + Math.floor(this.rand() * 9)}.${Math.floor(this.rand() * 20)}.${Math.floor(this.rand() * 10)}`;
      case 8:
        return `Speed up \`${sym}\` for large ${this.pick(NOUNS).toLowerCase()}s`;
      case 9:
        return `Handle empty ${this.pick(NOUNS).toLowerCase()} in \`${sym}\``;
      case 10:
        return `Add tests for \`${sym}\``;
      default:
        return `Merge branch 'feature/${this.pick(AREAS)}-${this.pick(NOUNS).toLowerCase()}'`;
    }
  }

  private body(): string {
    const lines: string[] = [];
    const n = this.rand() < 0.45 ? 0 : 1 + Math.floor(this.rand() * 3);
    for (let i = 0; i < n; i++) {
      switch (Math.floor(this.rand() * 6)) {
        case 0:
          lines.push(`The previous code ignored ${this.pick(NOUNS).toLowerCase()} timeouts and retried forever.`);
          break;
        case 1:
          lines.push(`Closes #${1 + Math.floor(this.rand() * 4000)}.`);
          break;
        case 2:
          lines.push(`Reported by ${this.pick(AUTHORS)}; reviewed by ${this.pick(AUTHORS)}.`);
          break;
        case 3:
          lines.push(`Run npm install ${this.pick(PACKAGES)} after pulling.`);
          break;
        case 4:
          lines.push(`This threw ${this.pick(ERRORS)} when \`${this.pick(this.symbols)}\` got an empty list.`);
          break;
        default:
          lines.push(`Follow-up to ${this.hash().slice(0, 10)}.`);
      }
    }
    return lines.join('\n');
  }

  private commit(): NewEpisode {
    const files = new Set<string>();
    const count = 1 + Math.floor(this.rand() ** 2 * 6); // mostly one or two files, up to six
    while (files.size < count) files.add(this.pickHot(this.files));
    const list = [...files];
    const hash = this.hash();
    const subject = this.subject(list);
    const author = this.pickHot(AUTHORS);
    this.commits.push({ subject, author, files: list });
    this.subjectCount.set(subject, (this.subjectCount.get(subject) ?? 0) + 1);
    return {
      name: `commit ${hash.slice(0, 12)}: ${subject}`.slice(0, 200),
      content: JSON.stringify({ type: 'commit', hash, subject, body: this.body(), author, files: list }),
      source: 'json',
      sourceDescription: 'git log',
      dedupKey: `commit:${hash}`,
    };
  }

  private decisionOrTask(): NewEpisode {
    const about = this.pick(COMPONENTS);
    const sym = this.pick(this.symbols);
    const value =
      this.rand() < 0.5
        ? {
            type: 'decision',
            title: this.pick([
              `Deprecate \`${sym}\``,
              `Split ${this.pick(this.files)} by feature`,
              `Freeze the ${about} schema until v3`,
              `Keep ${this.pick(ERRORS)} out of logs`,
            ]),
            about,
            decision: this.pick([
              'Agreed in the weekly review.',
              `Owner: ${this.pick(AUTHORS)}.`,
              'Revisit next quarter.',
              `Document it in ${this.pick(this.files)}.`,
            ]),
          }
        : {
            type: 'task',
            title: this.pick([
              `Migrate \`${sym}\` to async`,
              `Add metrics to ${this.pick(this.files)}`,
              `Investigate ${this.pick(ERRORS)} in ${about}`,
              `Write runbook for ${about}`,
            ]),
            about,
            status: this.pick(['open', 'in progress', 'done']),
          };
    return {
      name: `${value.type}: ${value.title}`,
      content: JSON.stringify(value),
      source: 'json',
      sourceDescription: 'tracker',
    };
  }

  /**
   * A note on what a component uses: the first says what it uses, a later one may say it moved to
   * another (the heuristic extractor then invalidates the old fact), or restate the current one;
   * sometimes what it runs on. Some come as a decision instead, whose title names the old one.
   */
  private techNote(): NewEpisode {
    const c = this.pick(COMPONENTS);
    const kind = this.pick(KINDS);
    const history = this.uses.get(c);
    if (!history) {
      const tech = this.pick(TECH);
      this.uses.set(c, [tech]);
      return this.text(`The ${c} ${kind} uses ${tech}.`);
    }
    const current = history[history.length - 1]!;
    const r = this.rand();
    if (r < 0.25) {
      const tech = this.pick(TECH.filter((t) => t !== current));
      history.push(tech);
      if (this.rand() < 0.4) {
        const value = {
          type: 'decision',
          title: `Move ${c} off ${current}`,
          about: c,
          decision: `The ${c} ${kind} migrated to ${tech}.`,
        };
        return {
          name: `decision: ${value.title}`,
          content: JSON.stringify(value),
          source: 'json',
          sourceDescription: 'tracker',
        };
      }
      return this.text(
        this.pick([`The ${c} ${kind} moved to ${tech}.`, `Since the outage, the ${c} ${kind} switched to ${tech}.`]),
      );
    }
    if (r < 0.55) {
      const platform = this.platform.get(c) ?? this.pick(PLATFORMS);
      this.platform.set(c, platform);
      return this.text(`The ${c} ${kind} runs on ${platform} in production.`);
    }
    return this.text(
      this.pick([`Reminder: the ${c} ${kind} uses ${current}.`, `The ${c} ${kind} uses ${current} in production.`]),
    );
  }

  /** A note without a fact: entities only (files, symbols, errors). */
  private note(): NewEpisode {
    const text = this.pick([
      `Standup: \`${this.pick(this.symbols)}\` is flaky on CI; see ${this.pick(this.files)}.`,
      `Pairing note: the ${this.pick(ERRORS)} in ${this.pick(this.files)} comes from \`${this.pick(this.symbols)}\`.`,
      `Heads-up: ${this.pick(this.files)} is generated, edit ${this.pick(this.files)} instead.`,
      `Benchmark of \`${this.pick(this.symbols)}\` regressed by ${2 + Math.floor(this.rand() * 40)}% after the last release.`,
    ]);
    return this.text(text);
  }

  private text(content: string): NewEpisode {
    return { name: 'note', content, source: 'text', sourceDescription: 'notes' };
  }

  /**
   * Questions about the history generated so far, with their answers: which files a commit (named
   * by its subject, unique in the history) touched, who wrote it, and what a component uses now
   * (its earlier technologies are the stale answers: a trap for a search that ranks them first).
   */
  questions(seed: number, perKind: number): Question[] {
    const rand = prng(seed);
    const pickIndex = (n: number) => Math.floor(rand() * n);
    const unique = this.commits.filter((c) => this.subjectCount.get(c.subject) === 1);
    const sample = <T>(list: T[], n: number): T[] => {
      const copy = [...list];
      const out: T[] = [];
      while (out.length < n && copy.length) out.push(copy.splice(pickIndex(copy.length), 1)[0]!);
      return out;
    };
    const out: Question[] = [];
    for (const c of sample(unique, perKind)) {
      out.push({
        kind: 'files',
        text: `which files did the change "${c.subject}" touch?`,
        answer: c.files[pickIndex(c.files.length)]!,
        stale: [],
      });
    }
    for (const c of sample(unique, perKind))
      out.push({ kind: 'author', text: `who wrote "${c.subject}"?`, answer: c.author, stale: [] });
    for (const [c, history] of sample([...this.uses], perKind)) {
      const current = history[history.length - 1]!;
      out.push({
        kind: 'uses',
        text: `what does the ${c} service use?`,
        answer: current,
        stale: [...new Set(history)].filter((t) => t !== current),
      });
    }
    return out;
  }
}
