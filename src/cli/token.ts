import type { Command } from 'commander';
import { newToken, parseScopes, parseZones } from '../auth/tokens.js';
import { type StoreOptions, storeFrom, withStoreOptions } from './store-options.js';
import { textTable } from './table.js';

interface CreateFlags extends StoreOptions {
  name: string;
  scope: string;
  zone: string;
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace('.000Z', 'Z'));

export function registerToken(program: Command): void {
  const token = program.command('token').description('API tokens: create, list, revoke');

  withStoreOptions(
    token
      .command('create')
      .description('create a token and print its secret (shown only this once)')
      .requiredOption('--name <name>', 'what the token is for, e.g. logpush-prod')
      .requiredOption('--scope <scopes>', 'analytics:read, logs:write, admin (comma-separated)')
      .requiredOption('--zone <zones>', "zones it is for (comma-separated), or '*' for all"),
  ).action(async (flags: CreateFlags) => {
    const { secret, record } = newToken(flags.name, parseScopes(flags.scope), parseZones(flags.zone));
    const store = await storeFrom(flags);
    try {
      await store.createToken(record);
    } finally {
      await store.close();
    }
    process.stdout.write(
      `created token ${record.id} (${record.name}): scopes ${record.scopes.join(',')}, zones ${record.zones.join(',')}\n` +
        'secret (store it now, it is not shown again):\n' +
        `${secret}\n`,
    );
  });

  withStoreOptions(
    token.command('list').description('list tokens (never their secrets)').option('--json', 'print as JSON'),
  ).action(async (flags: StoreOptions & { json?: boolean }) => {
    const store = await storeFrom(flags);
    try {
      const tokens = (await store.tokens()).map(({ hash: _hash, ...t }) => t);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ tokens }, null, 2)}\n`);
        return;
      }
      if (tokens.length === 0) {
        process.stdout.write('no tokens: the server runs open, on loopback only\n');
        return;
      }
      const rows = tokens.map((t) => [
        t.id,
        t.name,
        t.scopes.join(','),
        t.zones.join(','),
        iso(t.createdAt),
        t.revokedAt === null ? 'active' : `revoked ${iso(t.revokedAt)}`,
      ]);
      process.stdout.write(`${textTable(['id', 'name', 'scopes', 'zones', 'created', 'state'], rows)}\n`);
    } finally {
      await store.close();
    }
  });

  withStoreOptions(
    token.command('revoke').description('revoke a token: it stops working at once').argument('<id>', 'token id'),
  ).action(async (id: string, flags: StoreOptions) => {
    const store = await storeFrom(flags);
    try {
      if (!(await store.revokeToken(id))) {
        const known = (await store.tokens()).find((t) => t.id === id);
        throw new Error(known ? `token ${id} is already revoked` : `no token ${id} (see edgestat token list)`);
      }
    } finally {
      await store.close();
    }
    process.stdout.write(`revoked ${id}\n`);
  });
}
