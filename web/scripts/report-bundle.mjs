#!/usr/bin/env node
// Reports what the built web UI makes a browser download on its first load, gzipped, and fails
// the build when the JavaScript of it exceeds the budget of issue 9 (300 KB gzipped). The first
// load is what `dist/index.html` references: its module scripts, their modulepreloads and the
// style sheets. Other chunks (pages loaded on demand) are listed separately.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The budget for first-load JavaScript, gzipped, in bytes (300 KB). */
const JS_BUDGET_BYTES = 300 * 1024;

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const refs = new Set();
for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) refs.add(m[1]);
for (const m of html.matchAll(/<link[^>]*\brel="(?:modulepreload|stylesheet)"[^>]*\bhref="([^"]+)"/g)) refs.add(m[1]);

// The server gzips at level 9 (server/src/web/static-files.ts): measure what it sends.
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

let firstJs = 0;
let firstCss = 0;
console.log('web bundle, first load (gzipped as the server sends it):');
for (const ref of refs) {
  const buf = readFileSync(join(dist, ref.replace(/^\//, '')));
  const size = gz(buf);
  if (ref.endsWith('.js')) firstJs += size;
  else firstCss += size;
  console.log(`  ${ref.padEnd(48)} ${kb(buf.length).padStart(10)} raw ${kb(size).padStart(10)} gzip`);
}
const lazy = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') && !refs.has(`/assets/${f}`));
for (const f of lazy) {
  const buf = readFileSync(join(dist, 'assets', f));
  console.log(`  (on demand) /assets/${f.padEnd(34)} ${kb(buf.length).padStart(10)} raw ${kb(gz(buf)).padStart(10)} gzip`);
}
console.log(`first-load JavaScript: ${kb(firstJs)} gzipped (budget ${kb(JS_BUDGET_BYTES)}); CSS: ${kb(firstCss)} gzipped`);
if (firstJs > JS_BUDGET_BYTES) {
  console.error(`report-bundle: first-load JavaScript is ${kb(firstJs)} gzipped, over the ${kb(JS_BUDGET_BYTES)} budget`);
  process.exit(1);
}
