import { Hono } from 'hono';
import type { BodyVariables } from './request-body.js';
import { z } from 'zod';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { connectInProcess } from '../../servers/manager/optagon-client.js';
import { createMcpServer, findTool, type OptagonServices } from '../registry.js';
import { frameLookup, toolAccess } from '../../web/auth/tool-access.js';
import type { GuardVariables } from './request-guard.js';

/**
 * The REST mirror: the same tool registry as MCP, for curl and for clients that want one request
 * per call. `GET /api/tools` lists tools with JSON schemas; `POST /api/tools/<name>` runs one and
 * answers its structuredContent. No tool is written twice.
 */
export function restMirror(services: OptagonServices): Hono<{ Variables: BodyVariables & GuardVariables }> {
  const api = new Hono<{ Variables: BodyVariables & GuardVariables }>();
  // MCP's own `tools/list`, asked once: the JSON Schemas are the SDK's conversion, so REST and MCP
  // describe a tool alike (an input with a default is not required).
  let listing: Promise<Tool[]> | undefined;
  const list = async () => {
    const client = await connectInProcess(createMcpServer(services), 'optagon-rest');
    try {
      return await client.tools();
    } finally {
      await client.close();
    }
  };

  api.get('/tools', async (c) => {
    listing ??= list().catch((err: unknown) => {
      listing = undefined;
      throw err;
    });
    return c.json({ tools: await listing });
  });

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
        return c.json(
          {
            error: `the body is not valid JSON (${(err as Error).message}); send a JSON object of the tool's arguments`,
          },
          400,
        );
      }
    }
    // Permissions on the arguments the tool really acts on, so after zod has parsed them (a key the
    // tool does not take is gone, defaults are in). What is refused whatever the other arguments say
    // is refused first, so it is a 403 even with bad arguments: the permission, a tool that acts on
    // no frame for a frame-limited session, and a `frame` the tool takes outside the session's frames.
    // Otherwise bad arguments are a 400, which tells only what the schema says, never anything about
    // a frame; and the call as parsed is judged after.
    const access = toolAccess(c.var.principal, frameLookup(services.frames));
    const early = access.refuseUnparsed(found.tool, body);
    if (early) return c.json({ error: early }, 403);
    const args = z.object(found.tool.input).safeParse(body);
    if (!args.success) {
      const issue = args.error.issues[0]!;
      return c.json(
        { error: `invalid arguments for ${name}: ${issue.path.join('.') || '(body)'}: ${issue.message}` },
        400,
      );
    }
    const refused = access.refuse(found.tool, args.data as Record<string, unknown>, found.deps);
    if (refused) return c.json({ error: refused }, 403);
    try {
      const images: Array<{ mimeType: string; data: string }> = [];
      const ctx = {
        signal: c.req.raw.signal,
        progress: async () => {},
        text: () => {},
        image: (data: Buffer, mimeType: string) => void images.push({ mimeType, data: data.toString('base64') }),
      };
      const result = access.shape(
        found.tool,
        (await found.tool.handle(found.deps, args.data, ctx)) as Record<string, unknown>,
      );
      // JSON has no other place for an image (a screenshot): base64 beside the result.
      return c.json(images.length ? { ...result, images } : result);
    } catch (err) {
      // A tool's own failure (unknown frame, frame not running, ...): the client's request cannot be done as asked.
      return c.json({ error: (err as Error).message }, 422);
    }
  });
  return api;
}
