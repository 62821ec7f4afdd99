import { createHash, randomBytes } from 'node:crypto';
import { SCOPES, type Scope, type TokenRecord } from '../model/tokens.js';
import { checkZoneName } from '../model/zone-name.js';

export const TOKEN_PREFIX = 'es_';

/** A new token secret: `es_` and 32 random bytes in base64url. Shown once, never stored. */
export function newSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What the store keeps of a secret: its sha256, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Reads a comma-separated scope list; throws naming the allowed scopes. */
export function parseScopes(text: string): Scope[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) throw new Error(`--scope needs at least one of ${SCOPES.join(', ')}`);
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) {
      throw new Error(`unknown scope "${scope}": use ${SCOPES.join(', ')} (comma-separated)`);
    }
  }
  return [...new Set(scopes)] as Scope[];
}

/** Reads a comma-separated zone list, or `*` for all zones. */
export function parseZones(text: string): string[] {
  const zones = text
    .split(',')
    .map((z) => z.trim())
    .filter(Boolean);
  if (zones.length === 0) throw new Error('--zone needs a zone, a comma-separated list, or * for all zones');
  if (zones.includes('*')) {
    if (zones.length > 1) throw new Error('--zone: * means all zones and cannot be combined with names');
    return ['*'];
  }
  for (const zone of zones) checkZoneName(zone, '--zone');
  return [...new Set(zones)];
}

/** Creates a token record and its secret; the caller stores the record and shows the secret once. */
export function newToken(
  name: string,
  scopes: Scope[],
  zones: string[],
  now = Date.now(),
): {
  secret: string;
  record: TokenRecord;
} {
  if (!name.trim()) throw new Error('--name must not be empty');
  const secret = newSecret();
  const record: TokenRecord = {
    id: `tok_${randomBytes(6).toString('hex')}`,
    name: name.trim(),
    hash: hashSecret(secret),
    scopes,
    zones,
    createdAt: now,
    revokedAt: null,
  };
  return { secret, record };
}

/** Whether a token grants a scope; `admin` grants every scope. */
export function hasScope(token: TokenRecord, scope: Scope): boolean {
  return token.scopes.includes(scope) || token.scopes.includes('admin');
}

/** Whether a token is for a zone (or for all zones). */
export function coversZone(token: TokenRecord, zone: string): boolean {
  return token.zones.includes('*') || token.zones.includes(zone);
}
