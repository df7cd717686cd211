import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { resourcesSchema } from './frame-resources.js';
import { PROVIDERS } from './llm-provider.js';
import { defaultSocketRoot } from './user-runtime-dir.js';

const portRange = z
  .object({
    /** First port handed to a frame. Default 33000. */
    start: z.number().int().min(1024).max(65535).default(33000),
    /** Last port handed to a frame (inclusive). Default 34000. */
    end: z.number().int().min(1024).max(65535).default(34000),
  })
  .refine((r) => r.start <= r.end, {
    error: (iss) => {
      const r = iss.input as { start: number; end: number };
      return `port_range.start must not be above port_range.end (start ${r.start}, end ${r.end}; end defaults to 34000)`;
    },
  });

/** A model endpoint: which API, which model, where, and the environment variable holding its key. */
const modelEndpoint = <P extends readonly [string, ...string[]]>(providers: P) =>
  z.object({
    provider: z.enum(providers),
    model: z.string().min(1),
    /** The API's base URL; default: the provider's public one (Ollama: http://127.0.0.1:11434). */
    base_url: z.url().optional(),
    /** Environment variable that holds the API key. Default OPENAI_API_KEY / ANTHROPIC_API_KEY; Ollama needs none. */
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
  });

export const llmEndpoint = modelEndpoint(PROVIDERS);
export const embeddingEndpoint = modelEndpoint(['openai', 'ollama'] as const).extend({
  /** Ask for vectors of this size (OpenAI text-embedding-3 models can shorten them). */
  dimensions: z.number().int().min(8).max(8192).optional(),
});
export type LlmEndpoint = z.output<typeof llmEndpoint>;
export type EmbeddingEndpoint = z.output<typeof embeddingEndpoint>;

/** Where a provider's API is and how to authenticate, for every endpoint of it that does not say. */
const providerSettings = z
  .object({
    /** The API's base URL (vLLM: required; Ollama: default http://127.0.0.1:11434). */
    base_url: z.url().optional(),
    /** Environment variable that holds the key. Default OPENAI_API_KEY / ANTHROPIC_API_KEY. */
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    /** The key itself, for those who keep it here rather than in the environment (which wins); then keep config.yaml private. */
    api_key: z.string().min(1).optional(),
  })
  .prefault({});

const llm = z
  .object({
    anthropic: providerSettings,
    openai: providerSettings,
    ollama: providerSettings,
    vllm: providerSettings,
    /** Tries after a 429 or 5xx answer, with exponential backoff. Default 3. */
    retries: z.number().int().min(0).max(10).default(3),
  })
  .prefault({});
export type LlmSettings = z.output<typeof llm>;

const context = z
  .object({
    /** embedded: Optagon's own graph in data/context.db. graphiti: a Graphiti MCP server at graphiti.url. */
    provider: z.enum(['embedded', 'graphiti']).default('embedded'),
    graphiti: z
      .object({
        /** The Graphiti MCP server's streamable HTTP endpoint, e.g. http://127.0.0.1:8000/mcp/. */
        url: z.url(),
        /** Environment variable holding a bearer token for it, if it wants one. */
        token_env: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .optional(),
      })
      .optional(),
    /** heuristic: no model, instant. llm: one extraction call per episode to context.llm. */
    extraction: z.enum(['heuristic', 'llm']).default('heuristic'),
    llm: llmEndpoint.optional(),
    /** When set, facts and entities get vectors and search adds cosine similarity. */
    embeddings: embeddingEndpoint.optional(),
  })
  .refine((c) => c.provider !== 'graphiti' || c.graphiti, {
    error: 'context.provider is graphiti, so set context.graphiti.url too',
    path: ['graphiti'],
  })
  .refine((c) => c.extraction !== 'llm' || c.llm, {
    error: 'context.extraction is llm, so set context.llm (provider and model) too',
    path: ['llm'],
  });

/** `$OPTAGON_HOME/config.yaml`. Every field has a default, so an empty or missing file is valid. */
export const globalConfigSchema = z.object({
  frames: z
    .object({
      port_range: portRange.prefault({}),
      /** Host address the frame's port 3000 is published on. Default 127.0.0.1 (loopback only). */
      bind_address: z.string().min(1).default('127.0.0.1'),
      /**
       * Directories a frame's workspace may be in (by real path). Default: the user's home directory.
       * Never allowed whatever this says: /, system directories, OPTAGON_HOME and the socket root (and
       * their parents), podman's storage.
       */
      workspace_roots: z.array(z.string().startsWith('/')).default(() => [homedir()]),
      /**
       * Where each frame's socket directory lives on the host (yours, 0700). Default: /tmp/optagon/frames
       * for root, else $XDG_RUNTIME_DIR/optagon/frames (when that is yours) or /tmp/optagon-<uid>/frames.
       */
      socket_root: z
        .string()
        .startsWith('/')
        .default(() => defaultSocketRoot()),
      /** The image frames run. Default localhost/optagon-frame:latest, built by `optagon image build`. */
      image: z.string().min(1).default('localhost/optagon-frame:latest'),
      /** Seconds `podman stop` waits before killing. Default 5. */
      /**
       * Resource limits of every frame (cpus, memory, pids), unless its config's `resources` says
       * otherwise. Default: none (podman's: the whole machine).
       */
      resources: resourcesSchema.default({}),
      stop_timeout_seconds: z.number().int().min(0).max(600).default(5),
      /** Seconds frame_start waits for the tmux session. Default 60. */
      start_timeout_seconds: z.number().int().min(1).max(3600).default(60),
      network: z
        .object({
          /**
           * Each frame on a network of its own, and (when Optagon runs as root) iptables rules so that no
           * frame reaches another frame's ports or any service of the host but the ports allowed below.
           * The internet stays reachable. Default true.
           */
          isolate: z.boolean().default(true),
          /** The /16 the frames' networks are cut from, a /24 each. Default 10.213.0.0/16. */
          pool: z
            .string()
            .regex(/^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/, 'a /16 such as 10.213.0.0/16')
            .default('10.213.0.0/16'),
          /**
           * Host TCP ports every frame may reach (e.g. 11434 for an Ollama on the host). A frame may also
           * reach the host ports its agents' endpoints name (agents.env *_BASE_URL on host.containers.internal). Default none.
           */
          host_ports: z.array(z.number().int().min(1).max(65535)).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
  podman: z
    .object({
      /** The podman executable. Default `podman` from PATH. */
      binary: z.string().min(1).default('podman'),
      /** OCI runtime passed as --runtime. Unset until `optagon doctor` (or the first start) probes it. */
      runtime: z.string().min(1).optional(),
      /** Explicit --ulimit values; podman's own defaults can exceed the host's hard limits. Probed like runtime. */
      ulimits: z.object({ nofile: z.number().int().positive(), nproc: z.number().int().positive() }).optional(),
    })
    .prefault({}),
  daemon: z
    .object({
      /** Address the daemon listens on. Default 127.0.0.1: loopback only (remote access needs TLS, a later feature). */
      host: z.string().min(1).default('127.0.0.1'),
      /** Port the daemon listens on. Default 8443. */
      port: z.number().int().min(1).max(65535).default(8443),
      /** Extra Host header values accepted besides the loopback names (DNS-rebinding protection). Default none. */
      allowed_hosts: z.array(z.string().min(1)).default([]),
      /** Browser origins allowed to call the daemon besides its own. Default none. */
      allowed_origins: z.array(z.string().min(1)).default([]),
      /** Largest request body accepted, in bytes. Default 1 MiB. */
      body_limit_bytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(1024 * 1024),
      tls: z
        .object({
          /** TLS on loopback too (beyond loopback it is always on). Default false. */
          enabled: z.boolean().default(false),
          /** A certificate and key (PEM) to use instead of the self-signed one made under $OPTAGON_HOME/tls/. */
          cert_path: z.string().startsWith('/').optional(),
          key_path: z.string().startsWith('/').optional(),
        })
        .prefault({}),
      /** The terminal WebSocket (/ws). */
      gateway: z
        .object({
          /** Open terminal connections per identity (a token, the password, the local user). Default 16. */
          connections_per_token: z.number().int().min(1).max(1000).default(16),
          /** A connection with nothing from its client for this long is closed. Default 1800 (30 min). */
          idle_timeout_seconds: z
            .number()
            .int()
            .min(5)
            .max(7 * 24 * 3600)
            .default(1800),
          /** Largest WebSocket message in bytes; a bigger one closes its connection. Default 1 MiB. */
          max_message_bytes: z
            .number()
            .int()
            .min(64 * 1024 + 1024)
            .max(64 * 1024 * 1024)
            .default(1024 * 1024),
          /** Lines of history sent before the live screen on attach. Default 1000. */
          scrollback_lines: z.number().int().min(0).max(100_000).default(1000),
        })
        .prefault({}),
    })
    .prefault({}),
  image: z
    .object({
      /** Base image for Dockerfile.frame, or `auto`: pull Debian bookworm, else build it from Debian's mirror (debootstrap as root, mmdebstrap as anyone else). */
      base: z.string().min(1).default('auto'),
      /** Mount the host's CA bundle into the build so npm trusts a TLS-inspecting proxy. Default true. */
      trust_host_ca: z.boolean().default(true),
      /** The host CA bundle used when trust_host_ca is on. */
      host_ca_bundle: z.string().default('/etc/ssl/certs/ca-certificates.crt'),
      /** Debian mirror debootstrap uses when it builds the base image. */
      debian_mirror: z.string().url().default('http://deb.debian.org/debian'),
      /** npm version spec of @anthropic-ai/claude-code baked into the image. Default latest. */
      claude_code_version: z.string().min(1).default('latest'),
      opencode_version: z.string().min(1).default('latest'),
    })
    .prefault({}),
  context: context.prefault({}),
  /** The model APIs the manager agent (and llm extraction) call. */
  llm,
  browser: z
    .object({
      /** The Chromium the browser server drives (Debian's package). */
      executable_path: z.string().startsWith('/').default('/usr/bin/chromium'),
      /** How long click, type and element screenshots wait for their selector, in ms. Default 5000. */
      timeout_ms: z.number().int().min(100).max(120_000).default(5000),
      /**
       * Origins (scheme://host[:port]) the host's browser may load besides the running frames'
       * ports, e.g. http://127.0.0.1:5173 or https://example.com; `*` for any. Default none: the
       * daemon and other services on the host's loopback stay out of its reach.
       */
      allowed_origins: z
        .array(
          z.string().refine((o) => o === '*' || /^(https?|wss?):\/\/[^/?#@]+\/?$/.test(o), {
            error: 'an origin like http://127.0.0.1:5173 or https://example.com (scheme, host and port only), or *',
          }),
        )
        .default([]),
      /** The unprivileged user Chromium runs as when Optagon runs as root (Chromium never runs as root). Default nobody. */
      run_as: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$|^\d+(:\d+)?$/, 'a user name or uid[:gid]')
        .default('nobody'),
    })
    .prefault({}),
});

export type GlobalConfig = z.output<typeof globalConfigSchema>;

/** Reads and validates config.yaml; a bad file is an error that names the file and the field. */
export function loadGlobalConfig(file: string): GlobalConfig {
  let raw: unknown = {};
  if (existsSync(file)) {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    if (doc.errors.length)
      throw new Error(`${file} is not valid YAML: ${doc.errors[0]!.message}. Fix or remove the file.`);
    raw = doc.toJS() ?? {};
  }
  const parsed = globalConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}. Fix the setting or remove it to use the default.`,
    );
  }
  return parsed.data;
}

/** Sets values in config.yaml, keeping the user's comments and layout. */
export function updateGlobalConfig(file: string, values: Array<[path: string[], value: unknown]>): void {
  const doc = parseDocument(existsSync(file) ? readFileSync(file, 'utf8') : '');
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  for (const [path, value] of values) doc.setIn(path, value);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, doc.toString(), { mode: 0o600 }); // it may hold API keys
}
