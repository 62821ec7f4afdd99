import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { coversZone, hashSecret, hasScope } from '../auth/tokens.js';
import type { Scope, TokenRecord } from '../model/tokens.js';
import type { TokenStore } from '../stores/store.js';
import { ApiError } from './errors.js';

/** What a route needs: a scope, or nothing (`public`). `allZones` routes need a token for every zone. */
export interface RouteAccess {
  scope: Scope | 'public';
  allZones?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The caller's token; null when the server runs open (no tokens configured). */
    token: TokenRecord | null;
  }
}

/** How long the "are there any tokens" answer is trusted: tokens created elsewhere (ClickHouse) take effect within it. */
const TOKENS_CHECK_MS = 5000;

/**
 * Decides who may call what. A server that has never seen an active token runs open (loopback
 * only); once it has seen one it stays closed for its lifetime, whatever happens to the tokens.
 */
export class Auth {
  private checkedAt = 0;
  private anyTokens = false;
  private closed = false;

  constructor(
    private readonly store: TokenStore,
    private readonly log?: Pick<FastifyBaseLogger, 'warn'>,
  ) {}

  /** True when the store holds at least one token that is not revoked. */
  async hasTokens(now = Date.now()): Promise<boolean> {
    if (now - this.checkedAt > TOKENS_CHECK_MS) {
      const had = this.anyTokens;
      this.anyTokens = (await this.store.tokens()).some((t) => t.revokedAt === null);
      this.checkedAt = now;
      if (this.anyTokens) this.closed = true;
      // Another process (a ClickHouse store is shared) may revoke the last token at any time:
      // turning open then would open a server that may listen on a public address.
      else if (had) {
        this.log?.warn('last token revoked: the server stays closed; create a token or restart on loopback');
      }
    }
    return this.anyTokens;
  }

  /** True while every request is allowed: no active token now, and none seen since this server started. */
  async isOpen(now = Date.now()): Promise<boolean> {
    const anyTokens = await this.hasTokens(now);
    return !anyTokens && !this.closed;
  }

  /** Resolves the request's bearer token, or null in open mode; throws 401/403 ApiErrors. */
  async check(request: FastifyRequest, access: RouteAccess): Promise<TokenRecord | null> {
    const header = request.headers.authorization;
    if (!header) {
      if (await this.isOpen()) return null;
      throw new ApiError('unauthorized', 'this API needs a token: send Authorization: Bearer <token>');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError('unauthorized', 'Authorization header must be "Bearer <token>"');
    const token = await this.store.tokenByHash(hashSecret(match[1]));
    if (!token || token.revokedAt !== null) {
      throw new ApiError('unauthorized', token ? `token ${token.id} was revoked` : 'unknown token');
    }
    if (access.scope !== 'public' && !hasScope(token, access.scope)) {
      throw new ApiError(
        'forbidden',
        `token ${token.id} lacks the ${access.scope} scope (it has ${token.scopes.join(', ')})`,
      );
    }
    const zone = (request.params as { zone?: string } | undefined)?.zone;
    if (zone !== undefined && !coversZone(token, zone)) {
      throw new ApiError(
        'forbidden',
        `token ${token.id} is not for zone ${zone} (it is for ${token.zones.join(', ')})`,
      );
    }
    if (access.allZones && !token.zones.includes('*')) {
      throw new ApiError('forbidden', `token ${token.id} must be for all zones (--zone '*') to read this`);
    }
    return token;
  }
}

/** Checks every route's declared access before its body is read. */
export function installAuth(app: FastifyInstance, auth: Auth): void {
  app.decorateRequest('token', null);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (!access || access.scope === 'public') return;
    request.token = await auth.check(request, access);
  });
}

/** The zones of a list that a request may see. */
export function visibleZones<T extends { zone: string }>(request: FastifyRequest, zones: T[]): T[] {
  const token = request.token;
  return token ? zones.filter((z) => coversZone(token, z.zone)) : zones;
}
