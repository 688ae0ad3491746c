import type { Context } from 'hono';
import { HttpError } from '../errors.js';

/** Request parameters merged from the URL and, for form POSTs, the body. */
export interface Params {
  /** The last value of `name`, or undefined. */
  get(name: string): string | undefined;
  /** Every value of `name` (for `match[]`). */
  all(name: string): string[];
}

const MAX_FORM_BYTES = 1024 * 1024;

/**
 * Reads parameters the way Prometheus does: URL query parameters, plus the body when it is
 * `application/x-www-form-urlencoded` (Grafana's default). URL parameters are honoured on POST
 * too, and any other body is ignored (vmalert POSTs an empty body with a JSON content type).
 */
export async function readParams(c: Context): Promise<Params> {
  const url = new URL(c.req.url);
  const merged = new URLSearchParams(url.search);
  if (c.req.method === 'POST') {
    const type = c.req.header('content-type') ?? '';
    if (type.startsWith('application/x-www-form-urlencoded')) {
      const text = await c.req.text();
      if (text.length > MAX_FORM_BYTES) throw new HttpError('too_large', `form body exceeds ${MAX_FORM_BYTES} bytes`);
      for (const [k, v] of new URLSearchParams(text)) merged.append(k, v);
    }
  }
  return {
    get: (name) => {
      const all = merged.getAll(name);
      return all.length > 0 ? all[all.length - 1] : undefined;
    },
    all: (name) => merged.getAll(name),
  };
}
