#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { superviseAgent } from '../agent-supervisor.js';
import { collectMetrics } from '../collect-metrics.js';
import { loadConfigFile, parseConfig } from '../config/agent-config.js';
import { createLogger } from '../log.js';
import { formatPrometheusText } from '../metrics/text-format.js';
import { AGENT_VERSION } from '../version.js';

const USAGE = `Usage:
  vigil-agent --config FILE                 run the agent (SIGHUP reloads FILE)
  vigil-agent check-config --config FILE    validate FILE and exit (0 valid, 1 invalid)
  vigil-agent --once [--config FILE]        collect once, print Prometheus text format, exit
  vigil-agent --version | --help
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      once: { type: 'boolean' },
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`vigil-agent ${AGENT_VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (command !== undefined && command !== 'check-config') {
    process.stderr.write(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  const logger = createLogger();
  const path = values.config;

  if (command === 'check-config') {
    if (!path) {
      process.stderr.write(`check-config needs --config FILE\n${USAGE}`);
      return 2;
    }
    try {
      const c = loadConfigFile(path);
      process.stdout.write(
        `${path}: valid (${c.logs.sources.length} log sources, ${c.metrics.scrape.length} scrape jobs, ` +
          `server ${c.server ? c.server.url : 'not set'})\n`,
      );
      return 0;
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
  }

  if (values.once) {
    const config = path ? loadConfigFile(path) : parseConfig('');
    const set = await collectMetrics(config, Date.now(), (err) => logger.error((err as Error).message));
    process.stdout.write(formatPrometheusText(set.samples, set.meta));
    return 0;
  }

  if (!path) {
    process.stderr.write(`--config FILE is required\n${USAGE}`);
    return 2;
  }
  const first = loadConfigFile(path);
  if (!first.server) {
    process.stderr.write(`${path}: a "server" section (url, apiKey) is required to run the agent\n`);
    return 1;
  }
  const ac = new AbortController();
  let loaded = false;
  const agent = superviseAgent(ac.signal, {
    load: () => {
      if (!loaded) {
        loaded = true;
        return first;
      }
      const c = loadConfigFile(path);
      if (!c.server) throw new Error(`${path}: a "server" section is required`);
      return c;
    },
    logger,
  });
  process.on('SIGHUP', () => void agent.reload());
  compactHeapPeriodically();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      logger.info('shutting down', { signal: sig });
      ac.abort();
    });
  }
  await agent.done;
  return 0;
}

/**
 * When Node runs with `--expose-gc` (the systemd unit does), a full garbage collection every
 * {@link HEAP_COMPACTION_MS}: the agent allocates steadily (lines, batches, scrapes), so V8's own
 * heuristics let the old generation fill with garbage up to its next limit and never see it idle
 * enough for the memory reducer. A full collection of the agent's ≈ 6 MiB live heap takes a few
 * milliseconds and keeps RSS 3–5 MiB lower (docs/benchmarks.md, "The agent's footprint").
 */
const HEAP_COMPACTION_MS = 5000;

function compactHeapPeriodically(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function') setInterval(() => gc(), HEAP_COMPACTION_MS).unref();
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`vigil-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
