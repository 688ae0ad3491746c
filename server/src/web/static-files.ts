import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

/**
 * The first path segments the web UI routes itself (history routing): a GET for one of them that
 * is not a file answers `index.html`. The list is explicit so that the fallback never hides an
 * API's own 404 (`/api/...`, `/loki/...`, `/query` stay theirs). The web app's router
 * (`web/src/app/routes.ts`) uses the same names; add a page in both places.
 */
export const SPA_ROUTES: ReadonlySet<string> = new Set([
  '',
  'sign-in',
  'explore',
  'logs',
  'dashboards',
  'agents',
  'alarms',
  'scaling',
]);

/**
 * Where the built web UI is: `web/dist` of the repository this server was built from, found from
 * this file's own location (`server/src/web/` when run from source, `server/dist/web/` when
 * built), so it works from any working directory. `VIGIL_WEB_DIR` overrides it.
 */
export function defaultWebDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIGIL_WEB_DIR || fileURLToPath(new URL('../../../web/dist', import.meta.url));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

/** Folder of content-hashed files (Vite's `build.assetsDir`): cached for a year. */
const HASHED_PREFIX = '/assets/';

interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer> | undefined;
  type: string;
  etag: string;
  cacheControl: string;
}

/** Options of {@link webUiFiles}. */
export interface WebUiFilesOptions {
  /** The built web UI (`web/dist`). @default defaultWebDir() */
  dir?: string;
}

/**
 * Serves the built web UI from memory: files of `dir` by path, `index.html` for the app's own
 * routes ({@link SPA_ROUTES}), gzip when the browser accepts it, `ETag`/`If-None-Match`,
 * a year's immutable caching for `/assets/*` (their names carry a content hash) and `no-cache`
 * for the rest. Needs no key, as the browser loads it before signing in. Anything else falls
 * through to the API routes.
 *
 * The folder is read once (it holds a few hundred KB) and again when `index.html` changes, so
 * a rebuild is picked up without a restart. When it is missing, the app's routes answer 503 with
 * how to build it.
 */
export function webUiFiles(options: WebUiFilesOptions = {}): MiddlewareHandler {
  const dir = options.dir ?? defaultWebDir();
  let files = new Map<string, StaticFile>();
  let loadedIndexMtimeMs = -1;

  const refresh = () => {
    let mtime: number;
    try {
      mtime = statSync(join(dir, 'index.html')).mtimeMs;
    } catch {
      files = new Map();
      loadedIndexMtimeMs = -1;
      return;
    }
    if (mtime !== loadedIndexMtimeMs) {
      files = loadFiles(dir);
      loadedIndexMtimeMs = mtime;
    }
  };

  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const path = c.req.path;
    const segment = path.split('/')[1] ?? '';
    const isAppRoute = SPA_ROUTES.has(segment);
    // Only look at the disk for requests that can be the UI's: the app's routes, hashed assets
    // and top-level files (favicon); API paths never pay for a stat.
    if (!isAppRoute && !path.startsWith(HASHED_PREFIX) && path.lastIndexOf('/') !== 0) return next();
    if (isAppRoute || path === '/index.html' || files.size === 0) refresh();
    const file = files.get(path) ?? (isAppRoute ? files.get('/index.html') : undefined);
    if (!file) {
      if (isAppRoute) {
        return c.text(
          `The web UI is not built (no ${join(dir, 'index.html')}). Run \`npm run build\` in the repository, or \`npm start\`, which builds it.\n`,
          503,
        );
      }
      return next();
    }
    const headers: Record<string, string> = {
      'Content-Type': file.type,
      'Cache-Control': file.cacheControl,
      ETag: file.etag,
      Vary: 'Accept-Encoding',
    };
    if (c.req.header('if-none-match') === file.etag) return c.body(null, 304, headers);
    const gzip = file.gzip !== undefined && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    if (gzip) headers['Content-Encoding'] = 'gzip';
    const body = gzip ? file.gzip! : file.body;
    headers['Content-Length'] = String(body.length);
    if (c.req.method === 'HEAD') return c.body(null, 200, headers);
    return c.body(body, 200, headers);
  };
}

/** Reads every file under `dir` into memory, keyed by URL path (`/assets/index-abc.js`). */
function loadFiles(dir: string): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const path = `/${relative(dir, full).split(sep).join('/')}`;
        const ext = extname(entry.name).toLowerCase();
        const body = readFileSync(full);
        out.set(path, {
          body: new Uint8Array(body),
          gzip: COMPRESSIBLE.has(ext) && body.length > 256 ? new Uint8Array(gzipSync(body, { level: 9 })) : undefined,
          type: TYPES[ext] ?? 'application/octet-stream',
          etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
          cacheControl: path.startsWith(HASHED_PREFIX) ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
      }
    }
  };
  walk(dir);
  return out;
}
