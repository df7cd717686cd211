import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDatabase } from '../shared/state-database.js';
import { addAuthTables } from '../../web/auth/migrations.js';
import { StateStore, type FrameRecord } from './state-store.js';

let dir: string;
let file: string;
let db: Database.Database;
let store: StateStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'optagon-state-'));
  file = join(dir, 'data', 'optagon.db');
  db = openStateDatabase(file);
  store = new StateStore(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function frame(overrides: Partial<FrameRecord> & Pick<FrameRecord, 'id' | 'name'>): FrameRecord {
  return {
    description: null,
    status: 'created',
    workspacePath: '/srv/project',
    containerId: null,
    graphitiGroupId: `frame_${overrides.id.slice(0, 8)}`,
    hostPort: null,
    createdAt: 1_000,
    updatedAt: 1_000,
    lastActiveAt: null,
    ...overrides,
  };
}

const count = (table: string) => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('frames', () => {
  const a = frame({ id: 'abc12345-1111-4000-8000-000000000001', name: 'alpha', hostPort: 33000 });
  const b = frame({ id: 'abc12345-2222-4000-8000-000000000002', name: 'beta', hostPort: 33001 });

  beforeEach(() => {
    store.insertFrame(a);
    store.insertFrame(b);
  });

  it('insert and get by id round-trip every field', () => {
    expect(store.getFrame(a.id)).toEqual(a);
    expect(store.getFrame('no-such-id')).toBeUndefined();
  });

  it('list frames ordered by name', () => {
    store.insertFrame(frame({ id: '00000000-0000-4000-8000-000000000003', name: 'aardvark' }));
    expect(store.listFrames().map((f) => f.name)).toEqual(['aardvark', 'alpha', 'beta']);
  });

  it('find a frame by name, by full id and by a unique id prefix of 6+ characters', () => {
    expect(store.findFrame('beta')?.id).toBe(b.id);
    expect(store.findFrame(a.id)?.name).toBe('alpha');
    expect(store.findFrame('abc12345-1')?.name).toBe('alpha');
    expect(store.findFrame('abc12345-2')?.name).toBe('beta');
  });

  it('find nothing for an ambiguous prefix, a prefix under 6 characters, or an unknown ref', () => {
    expect(store.findFrame('abc123')).toBeUndefined(); // matches both
    expect(store.findFrame('abc12')).toBeUndefined(); // too short even if it were unique
    expect(store.findFrame('gamma')).toBeUndefined();
  });

  it('prefer a name over an id prefix', () => {
    store.insertFrame(frame({ id: 'ffffff00-0000-4000-8000-000000000009', name: 'abc12345-1' }));
    expect(store.findFrame('abc12345-1')?.id).toBe('ffffff00-0000-4000-8000-000000000009');
  });

  it('update the given fields and bump updatedAt', () => {
    const updated = store.updateFrame(a.id, { status: 'running', containerId: 'c0ffee', lastActiveAt: 5_000 });
    expect(updated).toMatchObject({
      status: 'running',
      containerId: 'c0ffee',
      lastActiveAt: 5_000,
      name: 'alpha',
      hostPort: 33000,
    });
    expect(updated.updatedAt).toBeGreaterThan(a.updatedAt);
    expect(store.getFrame(a.id)).toEqual(updated);
  });

  it('reject a status that is not a frame status', () => {
    expect(() => store.updateFrame(a.id, { status: 'exploded' as never })).toThrow(/CHECK constraint failed/);
  });

  it('reject a second frame with the same name', () => {
    expect(() => store.insertFrame(frame({ id: 'dup00000-0000-4000-8000-000000000000', name: 'alpha' }))).toThrow(
      /UNIQUE constraint failed: frames\.name/,
    );
  });

  it('reject a second frame on the same host port, but allow many without a port', () => {
    expect(() =>
      store.insertFrame(frame({ id: 'dup00000-0000-4000-8000-000000000000', name: 'gamma', hostPort: 33000 })),
    ).toThrow(/UNIQUE constraint failed: frames\.host_port/);
    store.insertFrame(frame({ id: 'n0000000-0000-4000-8000-000000000001', name: 'no-port-1' }));
    store.insertFrame(frame({ id: 'n0000000-0000-4000-8000-000000000002', name: 'no-port-2' }));
    expect(store.usedPorts().sort()).toEqual([33000, 33001]);
  });

  it('delete a frame together with its config, events and sessions', () => {
    store.setConfig(a.id, { name: 'alpha', workspace: '/srv/project' });
    store.addEvent(a.id, 'created');
    addAuthTables(db); // the sessions table is auth's
    store.db.prepare('INSERT INTO sessions (id, frame_id, connected_at) VALUES (?, ?, ?)').run('s1', a.id, 1);
    store.setConfig(b.id, { name: 'beta', workspace: '/srv/project' });
    store.addEvent(b.id, 'created');

    store.deleteFrame(a.id);

    expect(store.getFrame(a.id)).toBeUndefined();
    expect(store.getConfig(a.id)).toBeUndefined();
    expect(store.listEvents(a.id)).toEqual([]);
    expect(count('sessions')).toBe(0);
    // The other frame keeps its rows.
    expect(store.getConfig(b.id)).toEqual({ name: 'beta', workspace: '/srv/project' });
    expect(count('frame_events')).toBe(1);
  });

  it('store and replace a frame config', () => {
    store.setConfig(a.id, { name: 'alpha', workspace: '/x', description: 'one' });
    store.setConfig(a.id, { name: 'alpha', workspace: '/x', description: 'two' });
    expect(store.getConfig(a.id)).toEqual({ name: 'alpha', workspace: '/x', description: 'two' });
    expect(count('frame_configs')).toBe(1);
  });

  it('refuse a config for a frame that does not exist', () => {
    expect(() => store.setConfig('missing', { name: 'x', workspace: '/x' })).toThrow(/FOREIGN KEY constraint failed/);
  });
});

describe('events', () => {
  const id = 'e0000000-0000-4000-8000-000000000001';
  const other = 'e0000000-0000-4000-8000-000000000002';

  beforeEach(() => {
    store.insertFrame(frame({ id, name: 'events' }));
    store.insertFrame(frame({ id: other, name: 'other' }));
  });

  it('come back oldest first with their details, and only for the asked frame', () => {
    store.addEvent(id, 'created', { hostPort: 33000 });
    store.addEvent(other, 'created');
    store.addEvent(id, 'started');
    const events = store.listEvents(id);
    expect(events.map((e) => [e.type, e.details])).toEqual([
      ['created', { hostPort: 33000 }],
      ['started', null],
    ]);
    expect(events[0]!.id).toBeLessThan(events[1]!.id);
    expect(events.every((e) => e.frameId === id)).toBe(true);
  });

  it('limit to the newest N, still oldest first', () => {
    const added = ['a', 'b', 'c', 'd', 'e'].map((t) => store.addEvent(id, t));
    expect(store.listEvents(id, 2).map((e) => e.type)).toEqual(['d', 'e']);
    expect(store.listEvents(id, 2).map((e) => e.id)).toEqual([added[3]!.id, added[4]!.id]);
  });

  it('start after afterId', () => {
    const added = ['a', 'b', 'c', 'd', 'e'].map((t) => store.addEvent(id, t));
    expect(store.listEvents(id, 50, added[1]!.id).map((e) => e.type)).toEqual(['c', 'd', 'e']);
    expect(store.listEvents(id, 50, added[4]!.id)).toEqual([]);
  });

  it('page along after afterId without skipping any', () => {
    const added = ['a', 'b', 'c', 'd', 'e'].map((t) => store.addEvent(id, t));
    expect(store.listEvents(id, 2, added[0]!.id).map((e) => e.type)).toEqual(['b', 'c']);
    expect(store.listEvents(id, 2, added[2]!.id).map((e) => e.type)).toEqual(['d', 'e']);
  });
});
