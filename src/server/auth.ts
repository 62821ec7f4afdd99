import type { FastifyInstance, FastifyRequest } from 'fastify';
import { coversZone, hashSecret, hasScope } from '../auth/tokens.js';
import type { Scope, Store, TokenRecord } from '../stores/store.js';
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

/** Decides who may call what. With no active token in the store the server runs open (loopback only). */
export class Auth {
  private checkedAt = 0;
  private anyTokens = false;

  constructor(private readonly store: Store) {}

  /** True when the store holds at least one token that is not revoked. */
  async hasTokens(now = Date.now()): Promise<boolean> {
    if (now - this.checkedAt > TOKENS_CHECK_MS) {
      this.anyTokens = (await this.store.tokens()).some((t) => t.revokedAt === null);
      this.checkedAt = now;
    }
    return this.anyTokens;
  }

  /** Resolves the request's bearer token, or null in open mode; throws 401/403 ApiErrors. */
  async check(request: FastifyRequest, access: RouteAccess): Promise<TokenRecord | null> {
    const header = request.headers.authorization;
    if (!header) {
      if (!(await this.hasTokens())) return null;
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
