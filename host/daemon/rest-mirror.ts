import { Hono } from 'hono';
import type { BodyVariables } from './request-body.js';
import { z } from 'zod';
import { allTools, findTool, type OptagonServices } from '../../servers/registry.js';
import { allows } from '../../web/auth/permissions.js';
import { permissionFor } from '../../web/auth/tool-permission.js';
import type { GuardVariables } from './request-guard.js';

type Rows = Record<string, unknown>;
/** List tools a frame-scoped session may call, and how their answer is cut down to its frames. */
const SCOPED_LISTS: Record<string, (result: Rows, frames: string[]) => Rows> = {
  frame_list: (r, frames) => ({ ...r, frames: (r.frames as Rows[]).filter((f) => frames.includes(String(f.name))) }),
  agent_list: (r, frames) => ({ ...r, agents: (r.agents as Rows[]).filter((a) => frames.includes(String(a.frame))) }),
};

/**
 * The REST mirror: the same tool registry as MCP, for curl and for clients that want one request
 * per call. `GET /api/tools` lists tools with JSON schemas; `POST /api/tools/<name>` runs one and
 * answers its structuredContent. No tool is written twice.
 */
export function restMirror(services: OptagonServices): Hono<{ Variables: BodyVariables & GuardVariables }> {
  const api = new Hono<{ Variables: BodyVariables & GuardVariables }>();
  const listing = allTools().map((t) => ({
    name: t.name,
    title: t.title,
    description: t.description,
    inputSchema: z.toJSONSchema(z.object(t.input)),
    outputSchema: z.toJSONSchema(z.object(t.output)),
    annotations: t.annotations,
  }));

  api.get('/tools', (c) => c.json({ tools: listing }));

  // Frame scopes name frames; a call may name one by id: both are accepted for a scoped frame.
  const frameName = (ref: string) => {
    try {
      return services.frames.frames.resolve(ref).name;
    } catch {
      return ref;
    }
  };

  api.post('/tools/:name', async (c) => {
    const name = c.req.param('name');
    const found = findTool(services, name);
    if (!found) return c.json({ error: `no tool named '${name}'; GET /api/tools lists them` }, 404);
    const text = c.var.body;
    let body: unknown = {};
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch (err) {
        return c.json({ error: `the body is not valid JSON (${(err as Error).message}); send a JSON object of the tool's arguments` }, 400);
      }
    }
    const args = z.object(found.tool.input).safeParse(body);
    if (!args.success) {
      const issue = args.error.issues[0]!;
      return c.json({ error: `invalid arguments for ${name}: ${issue.path.join('.') || '(body)'}: ${issue.message}` }, 400);
    }
    const needed = permissionFor(found.tool);
    const frame = (args.data as { frame?: unknown }).frame;
    const principal = c.var.principal;
    if (!allows(principal, needed, typeof frame === 'string' ? frameName(frame) : undefined)) {
      return c.json({ error: `this session may not ${needed}${typeof frame === 'string' ? ` frame '${frame}'` : ''} (${name} needs ${needed}; it has ${principal.permissions.join(', ')}${principal.frames ? ` on ${principal.frames.join(', ')}` : ''})` }, 403);
    }
    // A session limited to some frames calls tools that name one of them, or the lists filtered below.
    const scope = principal.frames;
    if (scope && typeof frame !== 'string' && !SCOPED_LISTS[name]) {
      return c.json({ error: `this session is limited to ${scope.join(', ')}: name one of them with "frame" (${name} does not)` }, 403);
    }
    try {
      const images: Array<{ mimeType: string; data: string }> = [];
      const ctx = { signal: c.req.raw.signal, progress: async () => {}, text: () => {}, image: (data: Buffer, mimeType: string) => void images.push({ mimeType, data: data.toString('base64') }) };
      let result = (await found.tool.handle(found.deps, args.data, ctx)) as Record<string, unknown>;
      if (scope && SCOPED_LISTS[name]) result = SCOPED_LISTS[name](result, scope);
      // JSON has no other place for an image (a screenshot): base64 beside the result.
      return c.json(images.length ? { ...result, images } : result);
    } catch (err) {
      // A tool's own failure (unknown frame, frame not running, ...): the client's request cannot be done as asked.
      return c.json({ error: (err as Error).message }, 422);
    }
  });
  return api;
}
