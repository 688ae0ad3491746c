/** Name of the web UI's session cookie. */
export const SESSION_COOKIE = 'vigil_session';

/**
 * The header the web UI sends on every request. Requests authenticated by the session cookie that
 * change state must carry it: a cross-site form cannot set custom headers, and a cross-site
 * `fetch` that sets one needs a CORS preflight, which this server never grants.
 */
export const CSRF_HEADER = 'x-vigil-request';

/**
 * The value of cookie `name` in a `Cookie` header, or undefined. Only the first occurrence
 * counts; values are taken as they are (session tokens are base64url, which needs no decoding).
 *
 * @example
 * readCookie('a=1; vigil_session=abc', 'vigil_session') // 'abc'
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/**
 * A `Set-Cookie` value for the session token: HttpOnly (no script can read it), SameSite=Strict
 * (never sent on cross-site requests), Path=/, and Secure when the page was served over HTTPS.
 * `maxAgeSeconds` 0 deletes the cookie.
 */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * True when the browser reached the server over HTTPS, directly or through a proxy that says so
 * with `X-Forwarded-Proto` (the cookie then gets `Secure`).
 */
export function isHttpsRequest(url: string, forwardedProto: string | undefined): boolean {
  if (forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https') return true;
  return url.startsWith('https:');
}
