import type { Command } from 'commander';
import { integerOption, numberOption, PORT } from './numbers.js';

interface DemoFlags {
  db?: string;
  force?: boolean;
  host: string;
  port: number;
  days: number;
  rate: number;
  feed: number;
  seed: number;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('fill a fresh store with generated traffic, keep feeding it live, and serve the dashboard')
    .option('--db <file>', 'DuckDB file to create and keep (default: a temporary file, removed at exit)')
    .option('--force', 'replace the --db file if it exists')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port', integerOption('--port', PORT), 8080)
    .option('--days <days>', 'days of history to generate', numberOption('--days', { min: 0.01, max: 366 }), 7)
    .option(
      '--rate <perMinute>',
      'average requests per minute of the main zone',
      numberOption('--rate', { min: 1, max: 1_000_000 }),
      1400,
    )
    .option('--feed <seconds>', 'push live traffic this often', numberOption('--feed', { min: 0.1, max: 3600 }), 3)
    .option('--seed <n>', 'random seed, for a reproducible demo', integerOption('--seed', { min: 1 }), 1)
    .action(async (flags: DemoFlags) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      log('edgestat demo: generating traffic...');
      const { runDemo } = await import('../demo/demo.js');
      const demo = await runDemo({
        db: flags.db,
        force: flags.force,
        host: flags.host,
        port: flags.port,
        days: flags.days,
        perMinute: flags.rate,
        feedMs: flags.feed * 1000,
        seed: flags.seed,
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
