/** A structured logger: one JSON object per line on stderr. Never pass secrets in `fields`. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Creates the process logger. `quiet` drops info lines (tests). */
export function createLogger(options: { quiet?: boolean } = {}): Logger {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }, (_k, v) =>
      v instanceof Error ? v.message : v,
    );
    process.stderr.write(`${line}\n`);
  };
  return {
    info: (m, f) => {
      if (!options.quiet) write('info', m, f);
    },
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
