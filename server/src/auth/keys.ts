import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, KeyScope } from '@vigil/storage';

/** Every scope, in display order. */
export const ALL_SCOPES: readonly KeyScope[] = ['ingest', 'query', 'admin'];

/** Prefix of generated keys, so they are recognisable in leaked-secret scanners. */
export const KEY_PREFIX = 'vgl_';

/** Creates a new random API key secret (256 bits). */
export function generateKeySecret(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Hashes a key secret for storage and lookup. Keys are 256-bit random values, so a fast hash is
 * enough (no dictionary to defend against); only the hash is ever stored.
 */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new key record's id: short, random, safe in URLs. */
export function newKeyId(): string {
  return randomBytes(8).toString('hex');
}

/** A key as the API shows it: never the secret nor its hash. */
export function publicKey(k: ApiKeyRecord): Record<string, unknown> {
  return {
    id: k.id,
    tenant: k.tenant,
    name: k.name,
    scopes: k.scopes,
    root: k.isRoot,
    createdAt: new Date(k.createdMs).toISOString(),
    revokedAt: k.revokedMs === undefined ? null : new Date(k.revokedMs).toISOString(),
  };
}

/** Parses a scope list from user input; unknown scopes are reported. */
export function parseScopes(input: unknown): { scopes?: KeyScope[]; error?: string } {
  if (!Array.isArray(input) || input.length === 0) return { error: 'scopes must be a non-empty array' };
  const out: KeyScope[] = [];
  for (const s of input) {
    if (!ALL_SCOPES.includes(s as KeyScope)) {
      return { error: `unknown scope ${JSON.stringify(s)}; known scopes: ${ALL_SCOPES.join(', ')}` };
    }
    if (!out.includes(s as KeyScope)) out.push(s as KeyScope);
  }
  return { scopes: out };
}
