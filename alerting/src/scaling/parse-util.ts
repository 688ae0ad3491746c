/** Small validators shared by the scaling parsers; each pushes a problem and returns undefined. */

/** Group and policy names: the alarm name rule, `[A-Za-z0-9_.:-]{1,128}`, not `.` or `..` (URL path segments). */
export const NAME_RE = /^(?!\.\.?$)[A-Za-z0-9_.:-]{1,128}$/;

/** Tells whether `v` is a plain JSON object. */
export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Pushes `unknown field "x"` (prefixed with `where`) for every key of `body` not in `known`. */
export function rejectUnknown(body: Record<string, unknown>, known: readonly string[], problems: string[], where = ''): void {
  for (const k of Object.keys(body)) if (!known.includes(k)) problems.push(`${where}unknown field ${JSON.stringify(k)}`);
}

/** An integer in `[min, max]`, `fallback` when absent. */
export function intIn(v: unknown, what: string, min: number, max: number, problems: string[], fallback?: number): number | undefined {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    problems.push(`${what} must be an integer from ${min} to ${max}`);
    return undefined;
  }
  return v;
}

/** A finite number, `fallback` when absent. */
export function finite(v: unknown, what: string, problems: string[], fallback?: number): number | undefined {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    problems.push(`${what} must be a finite number`);
    return undefined;
  }
  return v;
}

/** A boolean, `fallback` when absent. */
export function bool(v: unknown, what: string, problems: string[], fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') {
    problems.push(`${what} must be true or false`);
    return fallback;
  }
  return v;
}

/** A non-empty string. */
export function nonEmpty(v: unknown, what: string, problems: string[]): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push(`${what} must be a non-empty string`);
    return undefined;
  }
  return v;
}

/** The name from the path wins; a different name in the body is a problem. */
export function nameOf(b: Record<string, unknown>, nameFromPath: string | undefined, problems: string[]): string {
  const name = nameFromPath ?? b.name;
  if (typeof name !== 'string' || !NAME_RE.test(name)) problems.push('name must match [A-Za-z0-9_.:-]{1,128} and not be "." or ".."');
  if (nameFromPath !== undefined && b.name !== undefined && b.name !== nameFromPath) problems.push('name in the body differs from the name in the path');
  return typeof name === 'string' ? name : '';
}

/** Seconds: an integer from 0 to a day, `fallback` when absent. */
export const seconds = (v: unknown, what: string, problems: string[], fallback: number): number =>
  intIn(v, what, 0, 86_400, problems, fallback) ?? fallback;
