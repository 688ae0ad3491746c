#!/usr/bin/env node
// Makes `npm test` self-sufficient on a fresh clone: installs the npm workspace when it is missing
// and, when running as root, the Debian packages that the end-to-end suites start as real peers.
// Without root it only reports what is missing; the suites that need a peer then fail with a
// message naming the binary, so a missing package is never mistaken for a pass.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages and the binary each provides. */
const DEBIAN_PACKAGES = [
  { pkg: 'prometheus', bin: '/usr/bin/prometheus' },
  { pkg: 'prometheus-node-exporter', bin: '/usr/bin/prometheus-node-exporter' },
  // collectd's write_http plugin needs libcurl and yajl, which collectd-core only suggests.
  { pkg: 'collectd-core', bin: '/usr/sbin/collectd' },
  { pkg: 'libcurl3-gnutls', bin: '/usr/lib/x86_64-linux-gnu/libcurl-gnutls.so.4' },
  { pkg: 'libyajl2', bin: '/usr/lib/x86_64-linux-gnu/libyajl.so.2' },
  { pkg: 'rsyslog', bin: '/usr/sbin/rsyslogd' },
  // The web UI's browser suite (tests/src/web-ui.test.ts) drives it with playwright-core.
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
];

if (!existsSync(join(root, 'node_modules', '.bin', 'turbo'))) {
  console.log('ensure-test-deps: installing npm workspace (npm install)');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

const missing = DEBIAN_PACKAGES.filter((p) => !existsSync(p.bin));
if (missing.length > 0) {
  const names = missing.map((p) => p.pkg);
  if (process.getuid?.() === 0) {
    console.log(`ensure-test-deps: apt-get install ${names.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    if (update.status !== 0) process.exit(update.status ?? 1);
    const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...names], {
      stdio: 'inherit',
      env,
    });
    if (install.status !== 0) process.exit(install.status ?? 1);
  } else {
    console.warn(
      `ensure-test-deps: missing Debian packages ${names.join(', ')}; run as root or install them, ` +
        'otherwise the real-peer suites fail.',
    );
  }
}
