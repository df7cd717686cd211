import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The direction of dependencies (the README's "Layout"): servers/shared ← servers/<capability>
 * ← host/ and web/{auth,gateway,tls} ← cli/ and web/app, read from the sources, a type import and a
 * dynamic import() told apart from a static one.
 */

const ROOT = resolve(import.meta.dirname, '..');
const SOURCES = ['servers', 'host', 'web', 'cli'];

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
  dynamic: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(e.name) && !/\.(test|d)\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** The file an import names, relative to the root, `.js` read as the `.ts`/`.tsx` it is compiled from. */
function target(from: string, specifier: string, files: Set<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const path = relative(ROOT, resolve(ROOT, dirname(from), specifier));
  const base = path.replace(/\.js$/, '');
  return (
    [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((f) => files.has(f)) ??
    (existsSync(join(ROOT, path)) ? path : `${path} (not found)`)
  );
}

/**
 * The imports of a file. TypeScript 7 (the compiler here) has no JavaScript API to parse with, so
 * the statements are matched as written: `import`/`export … from`, side-effect imports and `import()`.
 */
function importsOf(file: string, files: Set<string>): Import[] {
  // Comments out first, so an example in a comment is not read as an import.
  const text = readFileSync(join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean, dynamic: boolean) => {
    const to = target(file, specifier, files);
    if (to) found.push({ from: file, to, typeOnly, dynamic });
  };
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    const [, , typeKeyword, clause, specifier] = m;
    const braces = /^\{([^}]*)\}$/.exec(clause!.trim());
    const names = braces
      ? braces[1]!
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)
      : [];
    add(specifier!, !!typeKeyword || (names.length > 0 && names.every((n) => n.startsWith('type '))), false);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) add(m[1]!, false, false);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    add(m[1]!, m.input.slice(Math.max(0, m.index - 7), m.index).includes('typeof'), true);
  return found;
}

/** A file's unit (the folder that is one capability or one part of the host) and its layer. */
function unitOf(file: string): { unit: string; layer: number } {
  const [top, sub] = file.split('/');
  if (top === 'servers')
    return sub === 'shared' ? { unit: 'servers/shared', layer: 0 } : { unit: `servers/${sub}`, layer: 1 };
  if (top === 'host') return { unit: sub!.endsWith('.ts') ? 'host' : `host/${sub}`, layer: 2 };
  if (top === 'web') return { unit: `web/${sub}`, layer: sub === 'app' ? 3 : 2 };
  return { unit: top!, layer: 3 };
}

const files = SOURCES.flatMap(sourceFiles);
const known = new Set(files);
const imports = files.flatMap((f) => importsOf(f, known));
const describeImport = (i: Import) =>
  `${i.from} → ${i.to}${i.typeOnly ? ' (type)' : ''}${i.dynamic ? ' (dynamic)' : ''}`;

/** Cycles in a graph given as edges, each as the path that closes it. */
function cycles(edges: Array<[string, string]>): string[] {
  const next = new Map<string, Set<string>>();
  for (const [a, b] of edges) if (a !== b) next.set(a, (next.get(a) ?? new Set()).add(b));
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const walk = (node: string, path: string[]) => {
    state.set(node, 'open');
    for (const n of next.get(node) ?? []) {
      if (state.get(n) === 'open') found.push([...path.slice(path.indexOf(n)), n].join(' → '));
      else if (!state.has(n)) walk(n, [...path, n]);
    }
    state.set(node, 'done');
  };
  for (const node of next.keys()) if (!state.has(node)) walk(node, [node]);
  return found;
}

describe('dependencies point one way', () => {
  it('finds the imports it judges', () => {
    // A scanner that found nothing would pass every rule below.
    expect(files.length).toBeGreaterThan(100);
    expect(imports.some((i) => i.from === 'host/registry.ts' && i.to === 'servers/frames/server.ts')).toBe(true);
    expect(imports.filter((i) => i.to.endsWith('(not found)')).map(describeImport)).toEqual([]);
  });

  it('no import goes up a layer', () => {
    const up = imports.filter((i) => unitOf(i.to).layer > unitOf(i.from).layer);
    expect(up.map(describeImport)).toEqual([]);
  });

  it('capabilities, and the parts of the host and web, depend on each other without a cycle', () => {
    const edges = imports.map((i) => [unitOf(i.from).unit, unitOf(i.to).unit] as [string, string]);
    expect(cycles(edges)).toEqual([]);
  });

  it('no file imports itself round a cycle, types included', () => {
    expect(cycles(imports.map((i) => [i.from, i.to]))).toEqual([]);
  });

  it('clients load a capability only as types, or on demand (the CLI --embedded)', () => {
    const clients = imports.filter((i) => unitOf(i.from).layer === 3 && unitOf(i.to).layer !== 3);
    const eager = clients.filter(
      (i) => !i.typeOnly && !i.dynamic && (unitOf(i.to).layer === 1 || i.to === 'host/registry.ts'),
    );
    expect(eager.map(describeImport)).toEqual([]);
  });

  it('the web page bundles nothing from below but import-free helpers', () => {
    const importing = new Set(imports.map((i) => i.from));
    const page = imports.filter((i) => i.from.startsWith('web/app/') && !i.to.startsWith('web/app/') && !i.typeOnly);
    expect(
      page
        .filter((i) => importing.has(i.to) || /^\s*import\s/m.test(readFileSync(join(ROOT, i.to), 'utf8')))
        .map(describeImport),
    ).toEqual([]);
  });
});
