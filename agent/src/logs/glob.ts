import { type Dirent, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * Expands an absolute glob pattern into the regular files that match now, sorted. Supports `*`,
 * `?` and `[...]` within a path segment and `**` for any number of directories. Unreadable
 * directories are skipped. A pattern without wildcards returns itself if it exists.
 *
 * @example
 * await expandGlob('/var/log/*.log'); // ['/var/log/syslog.log', ...]
 */
export async function expandGlob(pattern: string): Promise<string[]> {
  const segments = pattern.split(sep).filter((s, i) => s !== '' || i === 0);
  const out = new Set<string>();
  await walk(segments[0] === '' ? sep : '.', segments[0] === '' ? segments.slice(1) : segments, out);
  return [...out].sort();
}

/** True when `segment` contains glob syntax. */
export function hasWildcard(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** Compiles one path segment's glob into an anchored regular expression. */
export function segmentToRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        const body = segment.slice(i + 1, close);
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, rest: string[], out: Set<string>): Promise<void> {
  if (rest.length === 0) return;
  const [head, ...tail] = rest as [string, ...string[]];
  let entries: Dirent[];
  try {
    // Synchronous on purpose: the collector expands its globs every poll, and a local readdir is
    // cheaper than a thread-pool round trip.
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  if (head === '**') {
    await walk(dir, tail, out);
    for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name), rest, out);
    return;
  }
  const re = hasWildcard(head) ? segmentToRegExp(head) : undefined;
  for (const e of entries) {
    if (re ? !re.test(e.name) || e.name.startsWith('.') !== head.startsWith('.') : e.name !== head) continue;
    const path = join(dir, e.name);
    if (tail.length === 0) {
      if (e.isFile() || e.isSymbolicLink()) out.add(path);
    } else if (e.isDirectory() || e.isSymbolicLink()) await walk(path, tail, out);
  }
}
