import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './paths.js';
import { freePort } from './ports.js';

const BINARIES = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'];
const ENV = 'EDGESTAT_TEST_CLICKHOUSE';

/** A ClickHouse server for tests: its HTTP endpoint, and a store URL with a database of its own per call. */
export interface TestClickHouse {
  http: string;
  /** The server process when this module started it. */
  pid?: number;
  storeUrl(): string;
  stop(): Promise<void>;
}

const binary = () => BINARIES.find(existsSync);

/**
 * Why the ClickHouse suites cannot run here, or undefined when they can (a server at
 * $EDGESTAT_TEST_CLICKHOUSE, or clickhouse-server installed to start one). With
 * EDGESTAT_REQUIRE_ALL=1, as CI sets it, a missing ClickHouse fails instead of skipping.
 */
export function clickhouseMissing(): string | undefined {
  const why =
    process.env[ENV] || binary() ? undefined : `no ClickHouse: set ${ENV} or apt-get install clickhouse-server`;
  if (why && process.env.EDGESTAT_REQUIRE_ALL === '1') throw new Error(`EDGESTAT_REQUIRE_ALL=1: ${why}`);
  return why;
}

let databases = 0;
const withDatabases = (http: string, stop: () => Promise<void>, pid?: number): TestClickHouse => ({
  http,
  pid,
  // A fresh database per store, so tests sharing one server never see each other's rows.
  storeUrl: () => `${http.replace(/^http:/, 'clickhouse:')}/edgestat_test_${process.pid}_${Date.now()}_${databases++}`,
  stop,
});

/** The server at $EDGESTAT_TEST_CLICKHOUSE, or a throwaway one started in a temporary folder. */
export async function startClickHouse(options: { detached?: boolean } = {}): Promise<TestClickHouse> {
  const shared = process.env[ENV];
  if (shared) return withDatabases(shared.replace(/\/$/, ''), async () => {});
  const server = binary();
  if (!server) throw new Error(`no clickhouse-server in ${BINARIES.join(' or ')}`);
  const dir = tempDir('edgestat-clickhouse-');
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  for (const sub of ['data', 'tmp', 'log', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub));
  // <yandex> is the root 18.16 knows; current releases still read it.
  writeFileSync(
    join(dir, 'config.xml'),
    `<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/error.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    `<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`,
  );
  const child: ChildProcess = spawn(server, [`--config-file=${join(dir, 'config.xml')}`], {
    cwd: dir,
    stdio: 'ignore',
    detached: options.detached,
  });
  const http = `http://127.0.0.1:${httpPort}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${http}/ping`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || i > 300) throw new Error(`clickhouse-server did not start: see ${dir}/log`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (options.detached) child.unref();
  return withDatabases(
    http,
    async () => {
      child.kill('SIGTERM');
      await exited;
    },
    child.pid,
  );
}

// `node dist/testing/clickhouse.js` starts a server that outlives it, for CI and local runs:
// eval "$(node dist/testing/clickhouse.js)" exports EDGESTAT_TEST_CLICKHOUSE for `npm test`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  delete process.env[ENV];
  const server = await startClickHouse({ detached: true });
  process.stdout.write(`export ${ENV}=${server.http}\nexport EDGESTAT_TEST_CLICKHOUSE_PID=${server.pid}\n`);
}
