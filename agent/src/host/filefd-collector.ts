import { readFile } from 'node:fs/promises';
import { type HostContext, procPath } from './host-context.js';

/** Reads `/proc/sys/fs/file-nr` into `node_filefd_allocated` and `node_filefd_maximum`. */
export async function collectFilefd(ctx: HostContext): Promise<void> {
  const f = (await readFile(procPath(ctx.root, 'sys/fs/file-nr'), 'utf8')).trim().split(/\s+/);
  ctx.set.add('node_filefd_allocated', 'gauge', 'File descriptor statistics: allocated.', {}, Number(f[0]));
  ctx.set.add('node_filefd_maximum', 'gauge', 'File descriptor statistics: maximum.', {}, Number(f[2]));
}
