// An open-loop HTTP load generator in its own process, so that the load it creates does not
// share an event loop with the client whose latency a test measures.
//
// Usage: node load-generator.mjs <url> <bodies-file>   (headers as JSON in env LOADGEN_HEADERS)
// <bodies-file> holds request bodies, each prefixed by its length (4 bytes, big-endian); they are
// sent in turn. Commands on stdin, one a line:
//   rate <requests per second>   change the offered rate (0 pauses)
//   report                       print {"statuses":{...},"sent":n} as one JSON line and reset
//   exit                         wait for requests in flight, report, exit
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [url, bodiesFile] = process.argv.slice(2);
const headers = JSON.parse(process.env.LOADGEN_HEADERS ?? '{}');
const raw = readFileSync(bodiesFile);
const bodies = [];
for (let off = 0; off < raw.length; ) {
  const len = raw.readUInt32BE(off);
  bodies.push(raw.subarray(off + 4, off + 4 + len));
  off += 4 + len;
}

let rate = 0;
let next = 0;
let statuses = {};
let sent = 0;
const inFlight = new Set();

function fire() {
  const body = bodies[next++ % bodies.length];
  sent++;
  const p = fetch(url, { method: 'POST', headers, body })
    .then(async (res) => {
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    })
    .catch(() => {
      statuses.error = (statuses.error ?? 0) + 1;
    });
  inFlight.add(p);
  p.finally(() => inFlight.delete(p));
}

let timer;
let dueMs = 0;
function schedule() {
  clearTimeout(timer);
  if (rate <= 0) return;
  const period = 1000 / rate;
  dueMs = performance.now();
  const tick = () => {
    const now = performance.now();
    while (dueMs <= now) {
      fire();
      dueMs += period;
    }
    timer = setTimeout(tick, Math.max(0, dueMs - performance.now()));
  };
  tick();
}

function report() {
  process.stdout.write(`${JSON.stringify({ statuses, sent })}\n`);
  statuses = {};
  sent = 0;
}

createInterface({ input: process.stdin }).on('line', async (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'rate') {
    rate = Number(arg);
    schedule();
  } else if (cmd === 'report') report();
  else if (cmd === 'exit') {
    rate = 0;
    clearTimeout(timer);
    await Promise.all(inFlight);
    report();
    process.exit(0);
  }
});
process.stdout.write('ready\n');
