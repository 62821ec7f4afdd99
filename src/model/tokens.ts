/** API tokens: what a token may do and for which zones. */

export const SCOPES = ['analytics:read', 'logs:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenRecord {
  id: string;
  name: string;
  /** sha256 of the secret, hex. The secret itself is never stored. */
  hash: string;
  scopes: Scope[];
  /** Zones the token is for; ['*'] for all. */
  zones: string[];
  createdAt: number;
  revokedAt: number | null;
}
