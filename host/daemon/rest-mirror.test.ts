import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { findTool } from '../registry.js';
import { workspace, services, send, connectClient, restCall, useDaemonApp } from './app-fixture.js';

// The REST mirror of the tools: /api/tools.
useDaemonApp();

describe('REST mirror', () => {
  it('lists the frames tools with JSON schemas and annotations', async () => {
    const res = await send('/api/tools', { method: 'GET' });
    expect(res.status).toBe(200);
    const { tools } = await res.json();
    const names = tools.map((t: { name: string }) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['frame_create', 'frame_list', 'frame_get', 'frame_start', 'frame_stop', 'frame_destroy']),
    );
    for (const t of tools) {
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.outputSchema.type, t.name).toBe('object');
      expect(typeof t.title, t.name).toBe('string');
      expect(t.description.length, t.name).toBeGreaterThan(10);
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
        expect(typeof t.annotations[hint], `${t.name}.${hint}`).toBe('boolean');
      }
    }
    const create = tools.find((t: { name: string }) => t.name === 'frame_create');
    expect(create.inputSchema.required).toEqual(expect.arrayContaining(['name', 'workspace']));
    // Described as MCP's tools/list describes it: an argument with a default is not required.
    const typeText = tools.find((t: { name: string }) => t.name === 'tmux_send_text');
    expect(typeText.inputSchema.required).toEqual(expect.arrayContaining(['frame', 'text']));
    expect(typeText.inputSchema.required).not.toContain('enter');
    expect(Object.keys(create.inputSchema.properties)).toEqual(
      expect.arrayContaining(['name', 'workspace', 'description']),
    );
    expect(create.outputSchema.properties.frame.type).toBe('object');
    const list = tools.find((t: { name: string }) => t.name === 'frame_list');
    expect(list.annotations).toEqual({
      title: 'List frames',
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    const destroy = tools.find((t: { name: string }) => t.name === 'frame_destroy');
    expect(destroy.annotations.destructiveHint).toBe(true);
  });

  it('answers 404 for an unknown tool', async () => {
    const res = await restCall('nope', {});
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe("no tool named 'nope'; GET /api/tools lists them");
  });

  it('answers 400 naming the field for invalid arguments', async () => {
    const res = await restCall('frame_create', { name: 'Bad Name', workspace });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/^invalid arguments for frame_create: name: /);
    expect(await restCall('frame_list', {}).then((r) => r.json())).toEqual({ frames: [] });
  });

  it('answers 400 naming a missing required field', async () => {
    const res = await restCall('frame_create', { name: 'web' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/^invalid arguments for frame_create: workspace: /);
  });

  it('answers 422 with the message when the tool fails', async () => {
    const res = await restCall('frame_get', { frame: 'ghost' });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toBe(
      "frame 'ghost' not found; `optagon frame list` (tool frame_list) shows the frames",
    );
  });

  it('answers 422 for a workspace that does not exist', async () => {
    const missing = join(workspace, 'nope');
    const res = await restCall('frame_create', { name: 'web', workspace: missing });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toBe(
      `workspace '${missing}' does not exist; create it first (mkdir -p ${missing})`,
    );
  });

  it('runs an empty body as no arguments', async () => {
    const res = await send('/api/tools/frame_list', { body: '' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ frames: [] });
  });

  it('answers 404 JSON for an unknown route', async () => {
    const res = await send('/api/nothing', { method: 'GET' });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe('no route GET /api/nothing; see /mcp and GET /api/tools');
  });

  it('creates a frame with the shape of the tool output, as MCP answers it', async () => {
    const res = await restCall('frame_create', { name: 'web', workspace, description: 'the web app' });
    expect(res.status).toBe(200);
    const created = await res.json();
    const output = z.object(findTool(services, 'frame_create')!.tool.output).strict();
    expect(output.parse(created)).toEqual(created);
    expect(created.frame).toMatchObject({
      name: 'web',
      description: 'the web app',
      status: 'created',
      containerId: null,
    });

    const client = await connectClient('/mcp');
    const viaMcp = await client.callTool({ name: 'frame_create', arguments: { name: 'api', workspace } });
    expect(viaMcp.isError).toBeFalsy();
    const mcpCreated = viaMcp.structuredContent as { frame: Record<string, unknown> };
    expect(Object.keys(mcpCreated)).toEqual(Object.keys(created));
    expect(Object.keys(mcpCreated.frame).sort()).toEqual(Object.keys(created.frame).sort());

    const listed = await client.callTool({ name: 'frame_list', arguments: {} });
    const rest = await restCall('frame_list', {});
    expect(rest.status).toBe(200);
    const restBody = await rest.json();
    expect(restBody.frames.map((f: { name: string }) => f.name).sort()).toEqual(['api', 'web']);
    expect(listed.structuredContent).toEqual(restBody);
    expect(JSON.parse((listed.content as [{ text: string }])[0].text)).toEqual(restBody);

    const got = await client.callTool({ name: 'frame_get', arguments: { frame: 'web' } });
    expect(got.structuredContent).toEqual(await restCall('frame_get', { frame: 'web' }).then((r) => r.json()));
  });

  it('reports a tool failure as 422 where MCP reports isError with the same message', async () => {
    const client = await connectClient('/mcp');
    const viaMcp = await client.callTool({ name: 'frame_get', arguments: { frame: 'ghost' } });
    expect(viaMcp.isError).toBe(true);
    const rest = await restCall('frame_get', { frame: 'ghost' });
    expect(rest.status).toBe(422);
    expect((viaMcp.content as [{ text: string }])[0].text).toContain((await rest.json()).error);
  });
});
