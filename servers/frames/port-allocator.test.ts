import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OptagonHome } from '../shared/optagon-home.js';
import { listeningPorts, PortAllocator } from './port-allocator.js';
import { createFramesServices } from './services.js';
import { openStateDatabase } from '../shared/state-database.js';
import type Database from 'better-sqlite3';
import { StateStore, type FrameRecord } from './state-store.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const nothingListening = () => new Set<number>();

let dir: string;
let db: Database.Database;
let store: StateStore;
let frameCount = 0;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'optagon-ports-'));
  db = openStateDatabase(join(dir, 'optagon.db'));
  store = new StateStore(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function addFrame(hostPort: number): FrameRecord {
  const n = ++frameCount;
  const record: FrameRecord = {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    name: `f${n}`,
    description: null,
    status: 'created',
    workspacePath: dir,
    containerId: null,
    graphitiGroupId: `frame_${n}`,
    hostPort,
    createdAt: 0,
    updatedAt: 0,
    lastActiveAt: null,
  };
  store.insertFrame(record);
  return record;
}

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

describe('PortAllocator.pick', () => {
  it('hands out the lowest port of the range when nothing is taken', () => {
    expect(new PortAllocator(store, { start: 40000, end: 40010 }, nothingListening).pick()).toBe(40000);
  });

  it('skips ports held by frames', () => {
    addFrame(40000);
    addFrame(40001);
    addFrame(40003);
    expect(new PortAllocator(store, { start: 40000, end: 40010 }, nothingListening).pick()).toBe(40002);
  });

  it('skips ports the host reports as listening', () => {
    addFrame(40000);
    const allocator = new PortAllocator(store, { start: 40000, end: 40010 }, () => new Set([40001, 40002]));
    expect(allocator.pick()).toBe(40003);
  });

  it('reuses the port of a deleted frame', () => {
    addFrame(40000);
    const middle = addFrame(40001);
    addFrame(40002);
    const allocator = new PortAllocator(store, { start: 40000, end: 40010 }, nothingListening);
    expect(allocator.pick()).toBe(40003);
    store.deleteFrame(middle.id);
    expect(allocator.pick()).toBe(40001);
  });

  it('fails when the range is used up, saying how to make room', () => {
    addFrame(40000);
    addFrame(40001);
    const allocator = new PortAllocator(store, { start: 40000, end: 40002 }, () => new Set([40002]));
    expect(() => allocator.pick()).toThrow(
      'no free port left in 40000-40002 (2 held by frames); destroy frames you no longer need or widen frames.port_range in config.yaml',
    );
  });
});

describe('listeningPorts (real sockets)', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it.each(['127.0.0.1', '::1'])('sees a server listening on %s, and the allocator skips its port', async (host) => {
    server = await listen(0, host); // the kernel picks a free port, so the test never collides
    const port = (server.address() as { port: number }).port;
    expect(listeningPorts().has(port)).toBe(true);

    // A one-port range holding only the busy port is exhausted; a wider one moves past it.
    expect(() => new PortAllocator(store, { start: port, end: port }).pick()).toThrow(/no free port left/);
    expect(new PortAllocator(store, { start: port, end: Math.min(port + 20, 65535) }).pick()).not.toBe(port);

    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    expect(listeningPorts().has(port)).toBe(false);
    expect(new PortAllocator(store, { start: port, end: port }).pick()).toBe(port);
  });
});

describe('concurrent frame creation', () => {
  let home: string;
  let workspace: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'optagon-home-'));
    workspace = mkdtempSync(join(tmpdir(), 'optagon-ws-'));
    writeFileSync(join(home, 'config.yaml'), `frames:\n  workspace_roots: [${workspace}]\n`);
  });

  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  });

  function assertDistinct(frames: Array<{ name: string; hostPort: number | null }>, expected: number) {
    const ports = frames.map((f) => f.hostPort);
    expect(frames).toHaveLength(expected);
    expect(new Set(frames.map((f) => f.name)).size).toBe(expected);
    expect(new Set(ports).size).toBe(expected);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(33000);
      expect(port).toBeLessThanOrEqual(34000);
    }
  }

  it('gives 50 creates in one process 50 distinct ports', async () => {
    const services = createFramesServices(new OptagonHome(home));
    try {
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) => services.frames.create({ name: `solo-${i}`, workspace })),
      );
      assertDistinct(created, 50);
      assertDistinct(services.store.listFrames(), 50);
    } finally {
      services.close();
    }
  });

  describe('across processes', () => {
    const servicesJs = join(repoRoot, 'dist', 'servers', 'frames', 'services.js');

    // The children run compiled JS; `npm test` and `npm run test:unit` build first. Building here
    // instead would rewrite dist/ under the suites that run the CLI in parallel.
    beforeAll(() => {
      if (!existsSync(servicesJs)) throw new Error(`${servicesJs} is missing; run \`npm run build\` first`);
    });

    // Two processes that both read user_version = 0 must not both run migration 1.
    it('lets 8 processes open a fresh database at once', async () => {
      const script = join(home, 'open.mjs');
      const stateDatabaseJs = join(repoRoot, 'dist', 'servers', 'shared', 'state-database.js');
      writeFileSync(
        script,
        `import { openStateDatabase } from ${JSON.stringify(pathToFileURL(stateDatabaseJs).href)};
while (Date.now() < Number(process.env.START_AT)) await new Promise((r) => setTimeout(r, 1));
openStateDatabase(process.env.DB).close();
`,
      );
      for (let round = 0; round < 3; round++) {
        const db = join(home, `round-${round}.db`);
        const startAt = String(Date.now() + 1_000);
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () =>
            run(process.execPath, [script], { env: { ...process.env, DB: db, START_AT: startAt } }),
          ),
        );
        const failures = results.flatMap((r) =>
          r.status === 'rejected' ? [(r.reason as { stderr: string }).stderr] : [],
        );
        expect(failures).toEqual([]);
      }
    });

    it('gives 5 processes creating 10 frames each at once 50 distinct ports', async () => {
      const script = join(home, 'child.mjs');
      writeFileSync(
        script,
        `import { createFramesServices } from ${JSON.stringify(pathToFileURL(servicesJs).href)};
const services = createFramesServices();
// Start together, so the creates really contend for the write lock.
while (Date.now() < Number(process.env.START_AT)) await new Promise((r) => setTimeout(r, 1));
const ports = [];
for (let i = 0; i < 10; i++) {
  const frame = await services.frames.create({ name: 'p' + process.env.CHILD + '-' + i, workspace: process.env.WORKSPACE });
  ports.push(frame.hostPort);
}
services.close();
process.stdout.write(JSON.stringify(ports));
`,
      );
      const startAt = String(Date.now() + 1_500);
      const outputs = await Promise.all(
        Array.from({ length: 5 }, (_, child) =>
          run(process.execPath, [script], {
            env: { ...process.env, OPTAGON_HOME: home, START_AT: startAt, CHILD: String(child), WORKSPACE: workspace },
          }),
        ),
      );
      const reported = outputs.flatMap((o) => JSON.parse(o.stdout) as number[]);
      expect(new Set(reported).size).toBe(50);

      const checkDb = openStateDatabase(new OptagonHome(home).database);
      const check = new StateStore(checkDb);
      try {
        const frames = check.listFrames();
        assertDistinct(frames, 50);
        expect(new Set(frames.map((f) => f.hostPort))).toEqual(new Set(reported));
      } finally {
        checkDb.close();
      }
    });
  });
});
