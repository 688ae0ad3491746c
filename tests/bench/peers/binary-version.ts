import { execFileSync } from 'node:child_process';

/**
 * The version of a binary, for the record: its own version flag first, then the Debian package
 * that installed it (the Debian build of VictoriaMetrics prints an empty version).
 */
export function binaryVersion(binary: string, versionArgs: readonly string[], debianPackage: string): string {
  const run = (command: string, args: readonly string[]): string => {
    try {
      return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trim();
    } catch {
      return '';
    }
  };
  const own = run(binary, versionArgs).split('\n')[0] ?? '';
  // "prometheus, version 2.42.0+ds (branch: ...)" → "2.42.0+ds"
  const version = /version[\s:]+v?(\S+)/.exec(own)?.[1] ?? /\bv(\d+\.\d+\.\d+\S*)/.exec(own)?.[1];
  if (version !== undefined) return version;
  if (own !== '') return own;
  // dpkg-query's own format syntax, not a template placeholder.
  const format = '$' + '{Version}';
  const packaged = run('dpkg-query', ['-W', '-f', format, debianPackage]);
  return packaged === '' ? 'unknown' : `${packaged} (Debian)`;
}
