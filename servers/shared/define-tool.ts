import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

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
 * What a call acts on, for permissions (web/auth/tool-access.ts decides from it, for REST and MCP alike):
 * - `frames`: these frames. `refs` are frame references as the caller wrote them (resolved as the tools
 *   resolve them), `ids` frames a rule found itself (an agent's, a task's, a group's). `what` names the
 *   target in the caller's own words ("agent 'web/claude-1'") for the refusal, which must never tell
 *   anything the caller did not already know about other frames. `unresolved`: the rule could not find
 *   what the call names; a session limited to some frames is refused in the same words as for a target
 *   outside them, so a refusal does not tell whether it exists. `everyFrame`: besides these frames, the
 *   call reaches every frame (a frame config change that lets a frame read every other frame's knowledge,
 *   a search that does); checked after the frames, so it is only ever about frames the caller may see.
 * - `none`: nothing frame-bound (the host, a frame that does not exist yet); `why` says what it does.
 * - `every`: every frame, or any frame it might name; `why` says so and what to do instead.
 */
export type ActsOn =
  | { on: 'frames'; refs?: string[]; ids?: string[]; what: string; unresolved?: true; everyFrame?: string }
  | { on: 'none'; why: string }
  | { on: 'every'; why: string };

/** What a scope rule may look up besides its tool's own services (the daemon hands it over). */
export interface FrameDirectory {
  /** Every frame, with its knowledge-graph group. */
  list(): Array<{ id: string; name: string; groupId: string }>;
  /** A frame's stored configuration, or undefined when no frame has that name or id. */
  config(ref: string): { context?: { cross_frame_search?: boolean | undefined } | undefined } | undefined;
}

/** The call acts on the frame its caller named. */
export const onFrame = (ref: string, everyFrame?: string): ActsOn => ({
  on: 'frames',
  refs: [ref],
  what: `frame '${ref}'`,
  ...(everyFrame ? { everyFrame } : {}),
});
/** The call acts on no frame; `why` says what it acts on instead. */
export const noFrame = (why: string): ActsOn => ({ on: 'none', why });
/** The call acts on every frame (or may, whatever frame it names). */
export const everyFrame = (why: string): ActsOn => ({ on: 'every', why });

/**
 * One MCP tool: schemas, annotations and a handler over the server's domain services `D`.
 * All four annotations are required because the SDK's defaults (destructive, open-world) are wrong
 * for most of our tools.
 */
export interface ToolDefinition<D, I extends z.ZodRawShape, O extends z.ZodRawShape, N extends string = string> {
  name: N;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>>;
  handle(deps: D, args: z.output<z.ZodObject<I>>, ctx: ToolContext): Promise<z.input<z.ZodObject<O>>>;
  /**
   * What a call acts on (see ActsOn): a constant when it does not depend on the arguments (then a
   * refusal comes before the arguments are even parsed), else a function of the parsed arguments.
   * Default: the `frame` argument, for a tool whose `frame` is required; any other tool declares it
   * (a test fails for one that does not, and the call is refused to frame-limited sessions).
   */
  actsOn?: ActsOn | ((args: z.output<z.ZodObject<I>>, deps: D, frames: FrameDirectory) => ActsOn);
  /**
   * For a tool that answers about every frame (a list): the answer as a session limited to some frames
   * sees it, keeping what `sees` (a frame name or id) accepts. Without it, a call that acts on every
   * frame is refused to such sessions.
   */
  scopedAnswer?(result: z.input<z.ZodObject<O>>, sees: (frame: string) => boolean): z.input<z.ZodObject<O>>;
}

/** A tool's rule for what a call acts on: its own, or the default from a required `frame` argument; undefined when it has none. */
export function actsOnRule<D>(tool: AnyTool<D>): NonNullable<AnyTool<D>['actsOn']> | undefined {
  if (tool.actsOn) return tool.actsOn;
  const frame = (tool.input as z.ZodRawShape).frame as z.ZodType | undefined;
  if (frame && !frame.safeParse(undefined).success)
    return (args: Record<string, unknown>) => onFrame(String(args.frame));
  return undefined;
}

// Erased form so tools with different schemas share one array.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool<D> = ToolDefinition<D, any, any>;

/**
 * Fixes the services type once per server so each tool's schemas are inferred:
 * `const defineTool = toolsFor<FramesServices>(); defineTool({ name: 'frame_get', ... })`.
 */
export function toolsFor<D>() {
  return <const N extends string, I extends z.ZodRawShape, O extends z.ZodRawShape>(
    def: ToolDefinition<D, I, O, N>,
  ): ToolDefinition<D, I, O, N> => def;
}

/**
 * The answers of tools by name, from their output schemas: what a client's `call` resolves to
 * (`ToolCaller<ToolResults<(typeof frameTools)[number]>>`), so no result type is written twice.
 */
export type ToolResults<T extends AnyTool<never>> = { [K in T as K['name']]: z.input<z.ZodObject<K['output']>> };

/**
 * What a principal may call, and what it may see of an answer: the one rule for the REST mirror and
 * MCP. A call needs the tool's permission (web/auth implements it); a session limited to some frames
 * may, besides, only make calls that act on those frames, as the tool declares it (`actsOn`
 * below: the frame argument, an agent's or a task's frame, the frames whose knowledge it
 * reads), never on the host or on a frame not yet made.
 */
export interface ToolAccess {
  /**
   * Why this tool is refused whatever its arguments (the permission it needs; for a session limited to
   * some frames, a tool that acts on no frame), or undefined. The REST mirror asks this before it
   * parses the arguments, so such a refusal is a 403 even for bad arguments.
   */
  refuseTool(tool: AnyTool<unknown>): string | undefined;
  /**
   * refuseTool, and for a tool that takes `frame`, a `frame` in the unparsed body that the tool's own
   * schema accepts and that is outside the session's frames: every tool taking `frame` acts on it,
   * and zod keeps it as it is, so this refusal holds whatever the other arguments are.
   */
  refuseUnparsed(tool: AnyTool<unknown>, body: unknown): string | undefined;
  /** Why this call is refused, on its parsed arguments (refuseTool included), or undefined when it may go ahead. */
  refuse(tool: AnyTool<unknown>, args: Record<string, unknown>, deps: unknown): string | undefined;
  /** The answer as this principal may see it. */
  shape(tool: AnyTool<unknown>, result: Record<string, unknown>): Record<string, unknown>;
  /** Whether it may see every frame (MCP resources list them all). */
  readonly everyFrame: boolean;
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
        // A remote session's permissions, on the arguments as parsed (the SDK parsed them): a refusal
        // is the call's error, a list of every frame is cut down to its frames.
        const refused = access?.refuse(tool as AnyTool<unknown>, args as Record<string, unknown>, deps);
        if (refused) throw new Error(refused);
        const raw = (await tool.handle(deps, args as never, ctx)) as Record<string, unknown>;
        const result = access ? access.shape(tool as AnyTool<unknown>, raw) : raw;
        return {
          content: [{ type: 'text' as const, text: text ?? JSON.stringify(result) }, ...images],
          structuredContent: result,
        };
      },
    );
  }
}
