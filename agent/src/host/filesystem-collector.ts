import { join } from 'node:path';
import { type HostContext, procPath, readOptional } from './host-context.js';

/**
 * Reads the mount table (`/proc/1/mounts`, falling back to `/proc/mounts`) and `statfs`es every
 * mount point that is not excluded, emitting `node_filesystem_{size,free,avail}_bytes`,
 * `node_filesystem_files`, `_files_free`, `_readonly` and `_device_error`, all labelled
 * `{device,fstype,mountpoint}` exactly as node_exporter labels them. A mount whose `statfs` fails
 * reports `device_error 1` and nothing else.
 */
export async function collectFilesystem(ctx: HostContext): Promise<void> {
  const mounts =
    (await readOptional(procPath(ctx.root, '1/mounts'))) ?? (await readOptional(procPath(ctx.root, 'mounts'))) ?? '';
  const seen = new Set<string>();
  const { set, options } = ctx;
  for (const line of mounts.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    const [device, mountpoint, fstype] = [unescapeMount(f[0]!), unescapeMount(f[1]!), f[2]!];
    if (options.mountPointsExclude.test(mountpoint) || options.fsTypesExclude.test(fstype)) continue;
    const key = `${device}\0${mountpoint}\0${fstype}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const labels = { device, fstype, mountpoint };
    const readonly = f[3]!.split(',').includes('ro') ? 1 : 0;
    let st: Awaited<ReturnType<typeof options.statfs>>;
    try {
      st = await options.statfs(join(ctx.root, mountpoint));
    } catch {
      set.add('node_filesystem_device_error', 'gauge', 'Whether an error occurred while getting statistics for the given device.', labels, 1);
      continue;
    }
    set.add('node_filesystem_size_bytes', 'gauge', 'Filesystem size in bytes.', labels, st.blocks * st.bsize);
    set.add('node_filesystem_free_bytes', 'gauge', 'Filesystem free space in bytes.', labels, st.bfree * st.bsize);
    set.add('node_filesystem_avail_bytes', 'gauge', 'Filesystem space available to non-root users in bytes.', labels, st.bavail * st.bsize);
    set.add('node_filesystem_files', 'gauge', 'Filesystem total file nodes.', labels, st.files);
    set.add('node_filesystem_files_free', 'gauge', 'Filesystem total free file nodes.', labels, st.ffree);
    set.add('node_filesystem_readonly', 'gauge', 'Filesystem read-only status.', labels, readonly);
    set.add('node_filesystem_device_error', 'gauge', 'Whether an error occurred while getting statistics for the given device.', labels, 0);
  }
}

/** The kernel escapes space, tab, newline and backslash in mount fields as `\040`-style octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}
