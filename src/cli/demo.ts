import type { Command } from 'commander';

interface DemoFlags {
  db?: string;
  force?: boolean;
  host: string;
  port: string;
  days: string;
  rate: string;
  feed: string;
  seed: string;
}

const positive = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`);
  return value;
};

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('fill a fresh store with generated traffic, keep feeding it live, and serve the dashboard')
    .option('--db <file>', 'DuckDB file to create and keep (default: a temporary file, removed at exit)')
    .option('--force', 'replace the --db file if it exists')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port', '8080')
    .option('--days <days>', 'days of history to generate', '7')
    .option('--rate <perMinute>', 'average requests per minute of the main zone', '1400')
    .option('--feed <seconds>', 'push live traffic this often', '3')
    .option('--seed <n>', 'random seed, for a reproducible demo', '1')
    .action(async (flags: DemoFlags) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      log('edgestat demo: generating traffic...');
      const { runDemo } = await import('../demo/demo.js');
      const demo = await runDemo({
        db: flags.db,
        force: flags.force,
        host: flags.host,
        port: Math.floor(positive('port', flags.port)),
        days: positive('days', flags.days),
        perMinute: positive('rate', flags.rate),
        feedMs: positive('feed', flags.feed) * 1000,
        seed: Math.floor(positive('seed', flags.seed)),
        log,
      });
      log(`dashboard: ${demo.url}/  (live traffic every ${flags.feed} s; Ctrl-C stops)`);
      const stop = () => {
        demo.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
