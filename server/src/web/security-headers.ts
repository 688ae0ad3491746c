import type { MiddlewareHandler } from 'hono';

/**
 * The Content-Security-Policy of every answer. Scripts and styles only from this origin: no inline
 * `<script>`, no `eval`, no inline `<style>` or `style=""` attributes (style set through the DOM,
 * as uPlot and Preact do, is allowed). `connect-src 'self'` covers `fetch` and the live tail's
 * WebSocket to the same host. Frames, plugins, `<base>` and foreign form targets are refused.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers set on every answer (API answers included: they cost nothing and close doors). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * Adds {@link SECURITY_HEADERS} to every response, including error answers built by `onError`
 * (Hono runs the rest of a middleware after the error handler has set the response).
 *
 * @example
 * app.use('*', securityHeaders());
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    try {
      setHeaders(c.res.headers);
    } catch {
      // Headers of a response that came from elsewhere (a fetch) are immutable: copy it.
      c.res = new Response(c.res.body, c.res);
      setHeaders(c.res.headers);
    }
  };
}

function setHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!headers.has(name)) headers.set(name, value);
}
