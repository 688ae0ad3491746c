import { describe, expect, it } from 'vitest';
import { NODE_EXPORTER, PROMETHEUS, requireBinary } from './debian-binary.js';

describe('requireBinary', () => {
  it('fails naming the binary and its Debian package when the binary is missing', () => {
    expect(() => requireBinary({ path: '/usr/bin/vigil-no-such-peer', debianPackage: 'vigil-no-such-package' })).toThrow(
      /\/usr\/bin\/vigil-no-such-peer is missing.*apt-get install -y vigil-no-such-package/,
    );
  });

  // The suites' real peers: CI must install them (.ci/run), or the real-client suite cannot run.
  it.each([PROMETHEUS, NODE_EXPORTER])('finds $path', (binary) => {
    expect(() => requireBinary(binary)).not.toThrow();
  });
});
