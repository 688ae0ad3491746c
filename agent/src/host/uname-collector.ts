import { machine } from 'node:os';
import { type HostContext, procPath, readOptional } from './host-context.js';

/**
 * Emits `node_uname_info{sysname,release,version,machine,nodename,domainname} 1` from
 * `/proc/sys/kernel` (the same strings uname(2) returns for this UTS namespace). `machine` comes
 * from `kernel/arch` (Linux ≥ 6.1) and otherwise from `os.machine()`.
 */
export async function collectUname(ctx: HostContext): Promise<void> {
  const read = async (rel: string): Promise<string | undefined> =>
    (await readOptional(procPath(ctx.root, `sys/kernel/${rel}`)))?.trim();
  const labels = {
    sysname: (await read('ostype')) ?? 'Linux',
    release: (await read('osrelease')) ?? '',
    version: (await read('version')) ?? '',
    machine: (await read('arch')) ?? machine(),
    nodename: (await read('hostname')) ?? '',
    domainname: (await read('domainname')) ?? '',
  };
  ctx.set.add('node_uname_info', 'gauge', 'Labeled system information as provided by the uname system call.', labels, 1);
}
