import { describe, expect, it } from 'vitest';
import { listRows, type AgentRow, type FrameRow } from './frame-rows.js';

const frame = (name: string): FrameRow => ({ id: name, name, status: 'running', hostPort: null, lastActiveAt: null });
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
