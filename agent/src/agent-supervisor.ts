import type { AgentConfig } from './config/agent-config.js';
import type { Logger } from './log.js';
import { type RunAgentOptions, runAgent } from './run-agent.js';

/** Options of {@link superviseAgent}. */
export interface SuperviseOptions extends RunAgentOptions {
  /** Loads and validates the configuration; throws when it is invalid. */
  load: () => AgentConfig;
  logger: Logger;
  /** The runner, replaceable in tests. @default runAgent */
  run?: typeof runAgent;
}

/** A running agent that can reload its configuration. */
export interface SupervisedAgent {
  /**
   * Loads the configuration again; when it is valid, stops the running agent (it flushes and
   * saves its state) and starts one with the new configuration. An invalid file is reported and
   * the running agent keeps going. Resolves true when the new configuration is in effect.
   */
  reload(): Promise<boolean>;
  /** Settles once `signal` aborted and the last agent stopped. */
  done: Promise<void>;
}

/**
 * Runs {@link runAgent} with reload on demand (the bin wires it to SIGHUP), as Prometheus does:
 * a bad config on reload never stops a running agent.
 *
 * @example
 * const agent = superviseAgent(signal, { load: () => loadConfigFile(path), logger });
 * process.on('SIGHUP', () => void agent.reload());
 * await agent.done;
 */
export function superviseAgent(signal: AbortSignal, options: SuperviseOptions): SupervisedAgent {
  const runner = options.run ?? runAgent;
  // An agent that cannot run (its state directory is unusable) ends the supervisor with that
  // error, so the process exits non-zero and systemd restarts it.
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const start = (config: AgentConfig, s: AbortSignal): Promise<void> => runner(config, s, options).catch(fail);
  let current = new AbortController();
  let running: Promise<void> = start(options.load(), current.signal);
  let reloading: Promise<boolean> = Promise.resolve(true);

  const done = Promise.race([
    failed,
    (async () => {
      await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
      await reloading;
      current.abort();
      await running;
    })(),
  ]);

  const reload = (): Promise<boolean> => {
    reloading = reloading.then(async () => {
      if (signal.aborted) return false;
      let config: AgentConfig;
      try {
        config = options.load();
      } catch (err) {
        options.logger.error(`reload failed, keeping the running configuration: ${(err as Error).message}`);
        return false;
      }
      current.abort();
      await running;
      current = new AbortController();
      running = start(config, current.signal);
      options.logger.info('configuration reloaded');
      return true;
    });
    return reloading;
  };

  return { reload, done };
}
