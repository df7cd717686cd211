import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolAccess } from '../../web/auth/tool-access.js';

/** What a tool handler gets besides its arguments: progress reporting and cancellation. */
export interface ToolContext {
  /** Sends an MCP progress notification when the caller asked for progress; a no-op otherwise. */
  progress(message: string, progress?: number, total?: number): Promise<void>;
  signal: AbortSignal;
  /** Adds an image to the answer's content (after its JSON), e.g. a screenshot; base64 is not repeated in the JSON. */
  image(data: Buffer, mimeType: string): void;
  /**
   * Gives the answer's text content in a form a model reads more cheaply than the JSON (which stays
   * in structuredContent): an accessibility tree as plain lines rather than one escaped string.
   */
  text(text: string): void;
}

/**
 * One MCP tool: schemas, annotations and a handler over the server's domain services `D`.
 * All four annotations are required because the SDK's defaults (destructive, open-world) are wrong
 * for most of our tools.
 */
export interface ToolDefinition<D, I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>>;
  handle(deps: D, args: z.output<z.ZodObject<I>>, ctx: ToolContext): Promise<z.input<z.ZodObject<O>>>;
}

/** The annotations of a tool that only reads Optagon's own state (most list and get tools). */
export const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

// Erased form so tools with different schemas share one array.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool<D> = ToolDefinition<D, any, any>;

/**
 * Fixes the services type once per server so each tool's schemas are inferred:
 * `const defineTool = toolsFor<FramesServices>(); defineTool({ name: 'frame_get', ... })`.
 */
export function toolsFor<D>() {
  return <I extends z.ZodRawShape, O extends z.ZodRawShape>(def: ToolDefinition<D, I, O>): ToolDefinition<D, I, O> => def;
}

/**
 * Registers tools on a server. Every answer carries `structuredContent` and the same JSON as text,
 * so hosts that only read text see everything. A thrown Error becomes an `isError` result whose
 * text is the error's message (the SDK does that); messages say what to do next.
 */
export function registerTools<D>(server: McpServer, deps: D, tools: readonly AnyTool<D>[], access?: ToolAccess): void {
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args: unknown, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => {
        const token = extra._meta?.progressToken;
        const images: Array<{ type: 'image'; data: string; mimeType: string }> = [];
        let text: string | undefined;
        const ctx: ToolContext = {
          signal: extra.signal,
          image: (data, mimeType) => void images.push({ type: 'image', data: data.toString('base64'), mimeType }),
          text: (t) => void (text = t),
          async progress(message, progress, total) {
            if (token === undefined) return;
            await extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken: token, progress: progress ?? 0, ...(total ? { total } : {}), message },
            });
          },
        };
        // A remote session's permissions: a refusal is the call's error, a scoped list is cut down.
        const refused = access?.refuse(tool as AnyTool<unknown>, args as Record<string, unknown>);
        if (refused) throw new Error(refused);
        const raw = (await tool.handle(deps, args as never, ctx)) as Record<string, unknown>;
        const result = access ? access.shape(tool.name, raw) : raw;
        return { content: [{ type: 'text' as const, text: text ?? JSON.stringify(result) }, ...images], structuredContent: result };
      },
    );
  }
}
