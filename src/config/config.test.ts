import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../testing/paths.js';
import { ConfigError, envOverrides, isLoopback, loadConfig, parseConfig, withOverrides } from './config.js';

describe('serve config', () => {
  it('fills every default', () => {
    const config = parseConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.limits.bodyBytes, 100 * 1024 * 1024);
    assert.equal(config.limits.concurrentIngests, 4);
    assert.equal(config.metricsPublic, false);
  });

  it('reads a JSON file and keeps limits it does not name at their defaults', () => {
    const file = join(tempDir(), 'edgestat.json');
    writeFileSync(file, JSON.stringify({ port: 9000, limits: { bodyBytes: 1000 } }));
    const config = loadConfig(file);
    assert.equal(config.port, 9000);
    assert.equal(config.limits.bodyBytes, 1000);
    assert.equal(config.limits.lineBytes, 1024 * 1024);
  });

  it('names the key that is wrong', () => {
    assert.throws(() => parseConfig({ limits: { bodyBytes: 0 } }), /limits\.bodyBytes: must be >= 1/);
    assert.throws(() => parseConfig({ limits: { bodyByte: 10 } }), /unknown key limits\.bodyByte/);
    assert.throws(() => parseConfig({ prot: 1 }), /unknown key prot/);
    assert.throws(() => parseConfig({ logLevel: 'loud' }), ConfigError);
    const file = join(tempDir(), 'broken.json');
    writeFileSync(file, '{ port: 1 ');
    assert.throws(() => loadConfig(file), /broken\.json is not valid JSON/);
    assert.throws(() => loadConfig(join(tempDir(), 'missing.json')), /cannot read config file/);
  });

  it('lets the environment and then flags override the file', () => {
    const env = envOverrides({ EDGESTAT_PORT: '7000', EDGESTAT_HOST: '0.0.0.0', EDGESTAT_STORE: 'duckdb:x.duckdb' });
    const config = withOverrides(parseConfig({ port: 9000 }), env, { host: '127.0.0.2', port: undefined });
    assert.equal(config.port, 7000);
    assert.equal(config.host, '127.0.0.2');
    assert.equal(config.store, 'duckdb:x.duckdb');
    assert.throws(() => withOverrides(config, { port: Number('abc') }), /port/);
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.ok(isLoopback(host), host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2']) assert.ok(!isLoopback(host), host);
  });
});
