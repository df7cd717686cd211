import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { shortened } from '../shared/human-units.js';
import { readBeneath, UnsafeFileError } from '../shared/read-beneath.js';

// A project's devcontainer.json (containers.dev), read for the few values Optagon can use where the
// frame's own config says nothing. The file is written by whatever runs in the frame, so every value
// is checked, and what cannot be used is skipped with a warning rather than failing the frame.

/** Where the spec looks for the file, in its order: the first present wins. */
export const DEVCONTAINER_FILES = ['.devcontainer/devcontainer.json', '.devcontainer.json'] as const;

/** Values are absent when the file gives none that Optagon can use. */
export interface DevcontainerValues {
  /** Which file they came from, relative to the workspace. */
  file: string;
  /** forwardPorts: container ports (numbers, or strings "N" / "localhost:N"); others such as "db:5432" are skipped with a warning. Deduplicated, in order. */
  ports?: number[];
  /** containerEnv. */
  env?: Record<string, string>;
  /** postCreateCommand as shell commands run one after another: a string is one command; an array is one command given as argv (each element shell-quoted with single quotes, joined by spaces); an object is each of its values (string or argv array) in key order. */
  setup?: string[];
  /** postStartCommand: a string or argv array is one command named 'start'; an object is one command per key (the key is its name). */
  start?: Array<{ name: string; command: string }>;
  /** hostRequirements: cpus (number) and memory ("4gb", "512mb" -> podman's "4g", "512m"; plain bytes number too). storage is ignored with a warning. */
  resources?: { cpus?: number; memory?: string };
  /** What was skipped and why, one sentence each. */
  warnings: string[];
}

/** Far more than any real devcontainer.json; a bigger one is refused rather than read into memory. */
const MAX_BYTES = 256 * 1024;
const READS =
  'Optagon reads forwardPorts, containerEnv, postCreateCommand, postStartCommand and hostRequirements from it';

// A NUL cannot pass through podman's argv or environment; refusing it here names the file's fault.
const noNul = (s: string) => !s.includes('\0');
const port = z.number().int().min(1).max(65535);
const portString = z
  .string()
  .regex(/^(localhost:)?\d{1,5}$/)
  .transform((s) => Number(s.slice(s.indexOf(':') + 1)))
  .pipe(port);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
// One line: the frame's environment reaches podman as an env file, a variable a line.
const envValue = z.string().refine((v) => noNul(v) && !/[\r\n]/.test(v));
const command = z.string().min(1).max(10_000).refine(noNul);
const argv = z.array(z.string()).min(1);
const windowName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/);
const cpus = z.number().positive();
const memoryBytes = z.number().int().positive();
const memoryString = z.string().regex(/^(\d{1,12})([kmgt]b?)?$/i);
/** The spec's variables; Optagon substitutes none of them, so a value using one would be wrong. */
const SUBSTITUTION =
  /\$\{(localEnv|containerEnv|localWorkspaceFolder|containerWorkspaceFolder|localWorkspaceFolderBasename|containerWorkspaceFolderBasename|devcontainerId)\b/;

const object = z.record(z.string(), z.unknown());
/** The top-level types the spec allows; a field of another type is skipped with a warning. */
const fields = {
  forwardPorts: z.array(z.unknown()),
  containerEnv: object,
  postCreateCommand: z.union([z.string(), z.array(z.unknown()), object]),
  postStartCommand: z.union([z.string(), z.array(z.unknown()), object]),
  hostRequirements: object,
};
const expected: Record<keyof typeof fields, string> = {
  forwardPorts: 'a list of ports',
  containerEnv: 'an object of names and values',
  postCreateCommand: 'a string, an array or an object',
  postStartCommand: 'a string, an array or an object',
  hostRequirements: 'an object',
};

/** A value from the file, quoted and cut short: it is untrusted and may be long or hold control characters. */
const shown = (value: unknown) => shortened(JSON.stringify(value) ?? String(value), 60);

const quoted = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/** A devcontainer.json's text (JSON with comments and trailing commas) as the values Optagon uses. */
export function parseDevcontainer(text: string, file: string): DevcontainerValues {
  const errors: ParseError[] = [];
  // VS Code ignores a byte order mark; jsonc-parser would call it an invalid symbol.
  const source = text.replace(/^\uFEFF/, '');
  const json: unknown = parse(source, errors, { allowTrailingComma: true, disallowComments: false });
  const error = errors[0];
  if (error) {
    const { line, column } = lineAndColumn(source, error.offset);
    throw new Error(
      `${file} line ${line} column ${column}: ${printParseErrorCode(error.error)}; fix the file or remove it (${READS})`,
    );
  }
  const top = object.safeParse(json);
  if (!top.success)
    throw new Error(`${file}: the top level is ${kind(json)}, not an object; fix the file or remove it (${READS})`);

  const warnings: string[] = [];
  const values: DevcontainerValues = { file, warnings };
  const field = <K extends keyof typeof fields>(key: K): z.infer<(typeof fields)[K]> | undefined => {
    if (top.data[key] === undefined) return undefined;
    const parsed = fields[key].safeParse(top.data[key]);
    if (parsed.success) return parsed.data as z.infer<(typeof fields)[K]>;
    warnings.push(`${key} is skipped: it should be ${expected[key]}, not ${kind(top.data[key])}.`);
    return undefined;
  };

  const forwardPorts = field('forwardPorts');
  if (forwardPorts) values.ports = nonEmpty(ports(forwardPorts, warnings));
  const containerEnv = field('containerEnv');
  if (containerEnv) values.env = nonEmpty(env(containerEnv, warnings));
  const postCreate = field('postCreateCommand');
  if (postCreate !== undefined) values.setup = nonEmpty(setup(postCreate, warnings));
  const postStart = field('postStartCommand');
  if (postStart !== undefined) values.start = nonEmpty(start(postStart, warnings));
  const hostRequirements = field('hostRequirements');
  if (hostRequirements) values.resources = nonEmpty(resources(hostRequirements, warnings));
  return values;
}

/**
 * The first of DEVCONTAINER_FILES in `workspace`, or undefined when there is none. The workspace is
 * written by the frame, so the file is read without following links: a link, FIFO or directory
 * planted at either path is treated as no file, and one over 256 KiB is refused.
 */
export function readDevcontainer(workspace: string): DevcontainerValues | undefined {
  for (const file of DEVCONTAINER_FILES) {
    let bytes: Buffer | undefined;
    try {
      // The tail of at most one byte more than allowed: a longer read tells "too big" apart from the
      // links and FIFOs readBeneath also refuses with UnsafeFileError, without matching its message.
      bytes = readBeneath(workspace, file, { tailBytes: MAX_BYTES + 1 });
    } catch (err) {
      if (err instanceof UnsafeFileError) continue;
      throw err;
    }
    if (!bytes) continue;
    if (bytes.length > MAX_BYTES)
      throw new Error(
        `${file} is larger than ${MAX_BYTES / 1024} KiB, too big to be a devcontainer.json; shorten it or remove it (${READS})`,
      );
    return parseDevcontainer(bytes.toString('utf8'), file);
  }
  return undefined;
}

function ports(list: unknown[], warnings: string[]): number[] {
  const found: number[] = [];
  for (const item of list) {
    const parsed = port.or(portString).safeParse(item);
    if (!parsed.success)
      warnings.push(
        `forwardPorts ${shown(item)} is skipped: Optagon forwards only the container's own ports (N or "localhost:N", 1 to 65535).`,
      );
    else if (!found.includes(parsed.data)) found.push(parsed.data);
  }
  return found;
}

function env(vars: Record<string, unknown>, warnings: string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    if (!envName.safeParse(name).success)
      warnings.push(
        `containerEnv ${shown(name)} is skipped: a variable name is letters, digits and _, not first a digit.`,
      );
    else if (!envValue.safeParse(value).success)
      warnings.push(
        `containerEnv ${name} is skipped: its value should be one line of text without NUL, not ${typeof value === 'string' ? 'several lines' : kind(value)}.`,
      );
    else if (SUBSTITUTION.test(value as string))
      warnings.push(`containerEnv ${name} is skipped: it uses \${...} substitution, which Optagon does not do.`);
    else found[name] = value as string;
  }
  return found;
}

/** One shell command from a string or an argv array, or undefined with a warning. */
function shellCommand(value: unknown, where: string, warnings: string[]): string | undefined {
  const args = argv.safeParse(value);
  const parsed = command.safeParse(args.success ? args.data.map(quoted).join(' ') : value);
  if (parsed.success) return parsed.data;
  warnings.push(
    `${where} is skipped: it should be a command string or a non-empty array of strings, at most 10,000 characters and without NUL.`,
  );
  return undefined;
}

// An object's commands come in the order JavaScript keeps keys: the file's, except that integer-like
// keys come first. The spec runs them in parallel, so no file can rely on an order anyway.
function setup(value: string | unknown[] | Record<string, unknown>, warnings: string[]): string[] {
  const named = isObject(value)
    ? Object.entries(value).map(([key, v]) => [`postCreateCommand ${shown(key)}`, v] as const)
    : [['postCreateCommand', value] as const];
  return named.flatMap(([where, v]) => {
    const cmd = shellCommand(v, where, warnings);
    return cmd === undefined ? [] : [cmd];
  });
}

function start(value: string | unknown[] | Record<string, unknown>, warnings: string[]) {
  const named = isObject(value) ? Object.entries(value) : [['start', value] as const];
  return named.flatMap(([name, v]) => {
    if (!windowName.safeParse(name).success) {
      warnings.push(
        `postStartCommand ${shown(name)} is skipped: its name becomes a tmux window's, so it is letters, digits, '.', '_' and '-' (at most 32, starting with a letter or digit).`,
      );
      return [];
    }
    const cmd = shellCommand(v, `postStartCommand ${name}`, warnings);
    return cmd === undefined ? [] : [{ name, command: cmd }];
  });
}

function resources(req: Record<string, unknown>, warnings: string[]): { cpus?: number; memory?: string } {
  const found: { cpus?: number; memory?: string } = {};
  for (const [key, value] of Object.entries(req)) {
    if (key === 'cpus') {
      const parsed = cpus.safeParse(value);
      if (parsed.success) found.cpus = parsed.data;
      else warnings.push(`hostRequirements.cpus ${shown(value)} is skipped: it should be a number above 0.`);
    } else if (key === 'memory') {
      const memory = podmanMemory(value);
      if (memory) found.memory = memory;
      else
        warnings.push(
          `hostRequirements.memory ${shown(value)} is skipped: it should be bytes or a size such as "4gb" or "512mb", above 0.`,
        );
    } else warnings.push(`hostRequirements.${key} is ignored: Optagon limits only cpus and memory.`);
  }
  return found;
}

/** "4gb" as podman's "4g"; bytes as a plain number. Terabytes become gigabytes: podman has no t. */
function podmanMemory(value: unknown): string | undefined {
  const bytes = memoryBytes.safeParse(value);
  if (bytes.success) return String(bytes.data);
  const parsed = memoryString.safeParse(value);
  if (!parsed.success) return undefined;
  const [, digits, unit] = /^(\d+)([kmgt])?/i.exec(parsed.data)!;
  const amount = Number(digits);
  if (amount === 0) return undefined;
  const u = unit?.toLowerCase();
  return u === 't' ? `${amount * 1024}g` : `${amount}${u ?? ''}`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const nonEmpty = <T extends object>(value: T): T | undefined => (Object.keys(value).length ? value : undefined);

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** 1-based line and column of a character offset, as editors count them. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}
