/** Where the agent writes its own diagnostics. */
export interface Logger {
  info(msg: string, fields?: Record<string, string | number>): void;
  error(msg: string, fields?: Record<string, string | number>): void;
}

/**
 * A logfmt logger to a stream (stderr by default), so the agent's own lines are easy to tail with
 * itself. Never throws.
 *
 * @example
 * createLogger().info('started', { version: '0.1.0' }); // ts=... level=info msg=started version=0.1.0
 */
export function createLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (level: string, msg: string, fields: Record<string, string | number> = {}): void => {
    try {
      const parts = [`ts=${new Date().toISOString()}`, `level=${level}`, `msg=${quote(msg)}`];
      for (const [k, v] of Object.entries(fields)) parts.push(`${k}=${quote(String(v))}`);
      write(`${parts.join(' ')}\n`);
    } catch {
      // Logging must never take the agent down.
    }
  };
  return { info: (m, f) => emit('info', m, f), error: (m, f) => emit('error', m, f) };
}

function quote(v: string): string {
  return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
}
