#!/usr/bin/env node
import { Command } from 'commander';
import { registerAlerts } from './alerts.js';
import { registerDemo } from './demo.js';
import { registerIngest } from './ingest.js';
import { registerQuery } from './query.js';
import { registerServe } from './serve.js';
import { registerToken } from './token.js';
import { registerZone } from './zone.js';

/** Every CLI command registers itself on the program; this list is the CLI's table of contents. */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerIngest,
  registerQuery,
  registerServe,
  registerToken,
  registerZone,
  registerAlerts,
  registerDemo,
];

const program = new Command('edgestat')
  .description('Status code analytics for edge networks')
  .version('0.1.0')
  .showHelpAfterError();
for (const register of COMMANDS) register(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`edgestat: ${err.message}\n`);
  process.exit(2);
});
