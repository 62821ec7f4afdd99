import type { Command } from 'commander';
import type { ServeConfig } from '../config/config.js';
import { integerOption, PORT } from './numbers.js';
import type { StoreOptions } from './store-options.js';
import { withStoreOptions } from './store-options.js';

interface ServeFlags extends StoreOptions {
  host?: string;
  port?: number;
  config?: string;
}

export function registerServe(program: Command): void {
  withStoreOptions(
    program
      .command('serve')
      .description('run the HTTP API, push ingest, live updates, metrics and the dashboard')
      .option('--host <host>', 'address to listen on; without API tokens only loopback is allowed (default 127.0.0.1)')
      .option('--port <port>', 'port (default 8080)', integerOption('--port', PORT))
      .option('--config <file>', 'JSON config file: limits, metrics, live polling (see the README, Config file)'),
  ).action(async (flags: ServeFlags) => {
    if (flags.store && flags.db) throw new Error('give either --store or --db, not both');
    const fromFlags: Partial<ServeConfig> = {
      host: flags.host,
      port: flags.port,
      store: flags.store ?? (flags.db ? `duckdb:${flags.db}` : undefined),
    };
    // The HTTP server's modules (and its config schema) load only for this command: the CLI starts fast without them.
    const { envOverrides, loadConfig, withOverrides } = await import('../config/config.js');
    const { startServer } = await import('../server/serve.js');
    const config = withOverrides(loadConfig(flags.config), envOverrides(), fromFlags);
    const server = await startServer(config);
    let signals = 0;
    const shutdown = (signal: NodeJS.Signals) => {
      if (++signals > 1) {
        server.served.app.log.error({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      server.served.app.log.info({ signal }, 'signal received');
      server.stop().then(
        () => process.exit(0),
        (err: Error) => {
          server.served.app.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
  });
}
