import { describe, expect, it } from 'vitest';
import { listRows, portsCell, setupCell, setupNote, type AgentRow, type FrameRow } from './frame-rows.js';

const frame = (name: string, more: Partial<FrameRow> = {}): FrameRow => ({
  id: name,
  name,
  status: 'running',
  lastActiveAt: null,
  ports: [],
  ...more,
});
const agent = (frameName: string, name: string, state: string, branch?: string): AgentRow => ({
  agent: `${frameName}/${name}`,
  frame: frameName,
  name,
  state,
  window: state === 'exited' ? null : '@1',
  worktree: branch ? { branch } : null,
});

describe('listRows', () => {
  it('puts each frame’s agents under it; an ended agent shows only while it has work to review', () => {
    const rows = listRows(
      [frame('api'), frame('web')],
      [
        agent('web', 'a', 'working', 'optagon/a'),
        agent('api', 'b', 'waiting_for_permission'),
        agent('web', 'gone', 'exited'),
        agent('web', 'kept', 'exited', 'optagon/kept'),
      ],
    );
    expect(rows.map((r) => (r.kind === 'frame' ? r.frame.name : `  ${r.agent.agent}`))).toEqual([
      'api',
      '  api/b',
      'web',
      '  web/a',
      '  web/kept',
    ]);
  });
});

describe('a frame row', () => {
  it('shows every published port: 3000’s host port alone, then host→frame for the others', () => {
    const ports = [
      { container: 3000, host: 33600 },
      { container: 5173, host: 33601 },
    ];
    expect(portsCell(frame('web', { ports }))).toBe('33600 33601→5173');
    expect(portsCell(frame('new'))).toBe('-');
  });

  it('marks a failed setup in red, whatever the status, and a setup still running only in a running frame', () => {
    const failed = { state: 'failed' as const, exitCode: 7, step: 2 };
    expect(setupCell(frame('web', { setup: failed }))).toEqual({ text: 'failed', colour: 'red' });
    expect(setupCell(frame('web', { status: 'stopped', setup: failed }))).toEqual({ text: 'failed', colour: 'red' });
    expect(setupCell(frame('web', { setup: { state: 'running' } }))).toEqual({ text: 'running', colour: 'yellow' });
    expect(setupCell(frame('web', { status: 'stopped', setup: { state: 'running' } }))).toEqual({ text: '' });
    expect(setupCell(frame('web', { setup: { state: 'succeeded', exitCode: 0 } }))).toEqual({ text: '' });
    expect(setupCell(frame('web'))).toEqual({ text: '' });
  });

  it('says where a failed setup stopped and how to run it again, for the selected frame', () => {
    expect(setupNote(frame('web', { setup: { state: 'failed', exitCode: 7, step: 2 } }))).toBe(
      "setup failed at step 2 (exit 7): u runs it again; its window 'setup' shows why",
    );
    expect(setupNote(frame('web', { setup: { state: 'failed' } }))).toMatch(/^setup failed: u runs/);
    expect(setupNote(frame('web', { setup: { state: 'succeeded', exitCode: 0 } }))).toBeUndefined();
  });
});
