import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorText } from '../lib/error-text.js';

/** A small filesystem mounted for one test; {@link SmallFs.unmount} removes it. */
export interface SmallFs {
  /** The mount point. */
  dir: string;
  /** How it was made. */
  kind: 'tmpfs' | 'loop-ext4';
  /** Unmounts and removes the mount point (and the loop image). Idempotent; never throws. */
  unmount(): void;
}

/**
 * Mounts a filesystem of `sizeMb` MiB: tmpfs when the container allows `mount`, else an ext4 image
 * on a loop device.
 *
 * @throws an error naming both attempts' failures when neither works (not root, no CAP_SYS_ADMIN)
 */
export function mountSmallFs(sizeMb: number): SmallFs {
  const base = mkdtempSync(join(tmpdir(), 'vigil-smallfs-'));
  const dir = join(base, 'mnt');
  execFileSync('mkdir', ['-p', dir]);
  const cleanupBase = () => rmSync(base, { recursive: true, force: true });
  let tmpfsError: string;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir, kind: 'tmpfs', unmount: once(() => tryUnmount(dir, cleanupBase)) };
  } catch (err) {
    tmpfsError = errorText(err);
  }
  const image = join(base, 'fs.img');
  try {
    execFileSync('truncate', ['-s', `${sizeMb}M`, image], { stdio: 'pipe' });
    execFileSync('mkfs.ext4', ['-q', image], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'loop', image, dir], { stdio: 'pipe' });
    return { dir, kind: 'loop-ext4', unmount: once(() => tryUnmount(dir, cleanupBase)) };
  } catch (err) {
    cleanupBase();
    throw new Error(
      `cannot make a small filesystem for the disk-full test: tmpfs mount failed (${tmpfsError}); ` +
        `loop-device ext4 failed (${errorText(err)}). Run the suite as root in a container that may mount.`,
    );
  }
}

function tryUnmount(dir: string, cleanupBase: () => void): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    // Already unmounted.
  }
  cleanupBase();
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/**
 * Writes `path` in 1 MiB blocks until the filesystem answers ENOSPC, then returns the bytes written.
 * Space freed later (`unlinkSync(path)`) lets writers through again.
 */
export function fillUntilFull(path: string): number {
  const block = Buffer.alloc(1 << 20, 0x5a);
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (;;) {
      try {
        written += writeSync(fd, block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
    // The last partial block: fill what is left byte-exact, so nothing at all is free.
    const small = Buffer.alloc(4096, 0x5a);
    for (;;) {
      try {
        written += writeSync(fd, small);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

/** Removes a filler file made by {@link fillUntilFull}. */
export function removeFiller(path: string): void {
  unlinkSync(path);
}
