import { Hono } from 'hono';
import type { BodyVariables } from './request-body.js';
import { z } from 'zod';
import { allTools, findTool, type OptagonServices } from '../../servers/registry.js';
import { toolAccess } from '../../web/auth/tool-access.js';
import type { GuardVariables } from './request-guard.js';

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
    // Permission first, on the frame the body names: a refused call learns nothing about its arguments.
    const access = toolAccess(c.var.principal, services.frames.frames);
    const refused = access.refuse(found.tool, typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {});
    if (refused) return c.json({ error: refused }, 403);
    const args = z.object(found.tool.input).safeParse(body);
    if (!args.success) {
      const issue = args.error.issues[0]!;
      return c.json({ error: `invalid arguments for ${name}: ${issue.path.join('.') || '(body)'}: ${issue.message}` }, 400);
    }
    try {
      const images: Array<{ mimeType: string; data: string }> = [];
      const ctx = { signal: c.req.raw.signal, progress: async () => {}, text: () => {}, image: (data: Buffer, mimeType: string) => void images.push({ mimeType, data: data.toString('base64') }) };
      const result = access.shape(name, (await found.tool.handle(found.deps, args.data, ctx)) as Record<string, unknown>);
      // JSON has no other place for an image (a screenshot): base64 beside the result.
      return c.json(images.length ? { ...result, images } : result);
    } catch (err) {
      // A tool's own failure (unknown frame, frame not running, ...): the client's request cannot be done as asked.
      return c.json({ error: (err as Error).message }, 422);
    }
  });
  return api;
}
