import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { Context } from 'hono';
import { packageRoot } from '../../servers/shared/package-root.js';

/** The built web dashboard (vite build of web/app), the same from dist/ and from source under the test runner. */
const webAppDir = () => join(packageRoot(), 'dist', 'web', 'app') + '/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The page and its assets need no token: they hold no data, and the page logs in itself. Only `/`
 * and files under `/assets/` (hashed names, so cached for good) are served.
 */
export const isWebAppPath = (path: string) =>
  path === '/' || path === '/index.html' || (path.startsWith('/assets/') && !path.includes('..'));

// The page talks only to its own origin; xterm.js writes <style> rules, hence 'unsafe-inline' for styles.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function serveWebApp(c: Context, dir = webAppDir()): Response {
  const path = c.req.path === '/' ? '/index.html' : c.req.path;
  const file = normalize(join(dir, path));
  // Only regular files: a directory (/assets/ itself, or one below it) is "no file", not a read error.
  if (!file.startsWith(dir) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
    return c.json(
      {
        error:
          path === '/index.html' ? `the web dashboard is not built (${dir}); run npm run build` : `no file ${path}`,
      },
      404,
    );
  }
  c.header('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
  c.header('Cache-Control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  c.header('Content-Security-Policy', CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  return c.body(readFileSync(file));
}
