import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/agent-config.js';

const PACKAGING = fileURLToPath(new URL('../../packaging/', import.meta.url));

describe('agent/packaging', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pkg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships an example config that validates once the key file exists', () => {
    const key = join(dir, 'api.key');
    writeFileSync(key, 'k\n');
    const text = readFileSync(join(PACKAGING, 'config.example.yml'), 'utf8').replace('/etc/vigil-agent/api.key', key);
    const c = parseConfig(text, 'config.example.yml');
    expect(c.server).toMatchObject({ url: 'http://127.0.0.1:9400' });
    expect(c.server!.apiKey!.reveal()).toBe('k');
    expect(c.stateDir).toBe('/var/lib/vigil-agent');
    expect(c.labels).toEqual({ group: 'web' });
  });

  it('ships an install script that is valid POSIX sh and a unit that runs check-config first and reloads with SIGHUP', () => {
    execFileSync('sh', ['-n', join(PACKAGING, 'install.sh')]);
    const unit = readFileSync(join(PACKAGING, 'vigil-agent.service'), 'utf8');
    expect(unit).toMatch(/^ExecStartPre=@NODE@ @APP@\/dist\/bin\/vigil-agent.js check-config --config \/etc\/vigil-agent\/config.yml$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^User=vigil-agent$/m);
    expect(unit).toMatch(/^StateDirectory=vigil-agent$/m);
    expect(unit).toMatch(/^WantedBy=multi-user.target$/m);
  });
});
