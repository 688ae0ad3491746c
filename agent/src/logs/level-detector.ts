/** The normalised levels, as Loki's `detected_level` names them. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'critical' | 'fatal';

const ALIASES: Record<string, LogLevel> = {
  trace: 'trace',
  trc: 'trace',
  debug: 'debug',
  dbg: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  crit: 'critical',
  critical: 'critical',
  alert: 'critical',
  emerg: 'fatal',
  emergency: 'fatal',
  fatal: 'fatal',
  panic: 'fatal',
};

const JSON_KEYS = ['level', 'lvl', 'severity', 'loglevel', 'log_level', 'levelname', 'log.level', 'severity_text'];
const LOGFMT = /(?:^|\s)(?:level|lvl|severity|loglevel)=("?)([A-Za-z]+)\1(?:\s|$)/;
/** Upper-case level words as common formats print them: `[ERROR]`, `WARN:`, ` INFO `, `E0102` is not one. */
const COMMON = /(?:^|[\s[(<|])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRIT|CRITICAL|ALERT|EMERG|FATAL|PANIC)(?=$|[\s\]):>|,])/;

/**
 * Detects the level of a log line from, in order: a JSON object's `level`-like key (also numeric
 * pino/bunyan levels), a logfmt `level=` pair, or an upper-case level word in the first 256
 * characters (`[ERROR]`, `WARN:`, Python's `ERROR:root:`). Returns undefined when none is found.
 *
 * @example
 * detectLevel('{"level":"warning","msg":"disk"}'); // 'warn'
 * detectLevel('ts=1 level=error msg=x');            // 'error'
 * detectLevel('2024-01-01 12:00:00 [ERROR] boom');  // 'error'
 */
export function detectLevel(line: string): LogLevel | undefined {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const obj = JSON.parse(trimmed) as Record<string, unknown>;
      for (const key of JSON_KEYS) {
        const v = key.includes('.') ? (obj[key.split('.')[0]!] as Record<string, unknown> | undefined)?.[key.split('.')[1]!] ?? obj[key] : obj[key];
        const level = fromValue(v);
        if (level) return level;
      }
    } catch {
      // Not JSON after all; try the other formats.
    }
  }
  const head = line.slice(0, 256);
  const lf = LOGFMT.exec(head);
  if (lf) {
    const level = ALIASES[lf[2]!.toLowerCase()];
    if (level) return level;
  }
  const common = COMMON.exec(head);
  return common ? ALIASES[common[1]!.toLowerCase()] : undefined;
}

/** pino/bunyan numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
function fromValue(v: unknown): LogLevel | undefined {
  if (typeof v === 'string') return ALIASES[v.toLowerCase()];
  if (typeof v === 'number') {
    if (v >= 60) return 'fatal';
    if (v >= 50) return 'error';
    if (v >= 40) return 'warn';
    if (v >= 30) return 'info';
    if (v >= 20) return 'debug';
    return 'trace';
  }
  return undefined;
}
