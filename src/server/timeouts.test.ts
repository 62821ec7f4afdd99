import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/config.js';
import { connectionTimeouts } from './timeouts.js';

describe('connectionTimeouts', () => {
  it('turns the documented defaults into server options', () => {
    assert.deepEqual(connectionTimeouts(parseConfig({}).limits), {
      requestTimeout: 60_000,
      keepAliveTimeout: 5000,
      connectionTimeout: 120_000,
      http: { headersTimeout: 10_000, requestTimeout: 60_000, connectionsCheckingInterval: 1000 },
    });
  });

  it('keeps the headers timeout within the request timeout, and checks often enough for short ones', () => {
    const { http } = connectionTimeouts(parseConfig({ limits: { headersSeconds: 30, requestSeconds: 0.4 } }).limits);
    assert.deepEqual(http, { headersTimeout: 400, requestTimeout: 400, connectionsCheckingInterval: 100 });
  });

  it('refuses timeouts that are not positive, and a socket idle time below the live heartbeat', () => {
    assert.throws(() => parseConfig({ limits: { headersSeconds: 0 } }), /limits\.headersSeconds: must be > 0/);
    assert.throws(() => parseConfig({ limits: { socketIdleSeconds: 10 } }), /limits\.socketIdleSeconds: must be >= 20/);
  });
});
