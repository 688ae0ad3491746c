#!/usr/bin/env node
// Runs the whole suite through Turborepo (typecheck, lint and tests of every package, one task at
// a time on these 2-core machines), passes its output through, and closes with one line that
// totals the vitest counts of every package: "tests: N passed, N failed".
import { spawn } from 'node:child_process';

const ANSI = /\u001b\[[0-9;]*m/g;
let passed = 0;
let failed = 0;
let skipped = 0;
const child = spawn('npx', ['turbo', 'run', 'typecheck', 'lint', 'test', '--concurrency=1', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});
let rest = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const text = rest + String(chunk);
  const lines = text.split('\n');
  rest = lines.pop() ?? '';
  for (const line of lines) count(line.replace(ANSI, ''));
});
function count(line) {
  // vitest's summary: "      Tests  12 failed | 1518 passed | 3 skipped (1533)"
  const m = /\bTests\s+(.*)\((\d+)\)\s*$/.exec(line);
  if (!m) return;
  for (const part of m[1].split('|')) {
    const p = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part);
    if (!p) continue;
    const n = Number(p[1]);
    if (p[2] === 'passed') passed += n;
    else if (p[2] === 'failed') failed += n;
    else skipped += n;
  }
}
child.on('close', (code) => {
  if (rest) count(rest.replace(ANSI, ''));
  console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code ?? 1);
});
