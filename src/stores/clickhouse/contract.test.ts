import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../../testing/clickhouse.js';
import { storeContract } from '../../testing/store-contract.js';
import { ClickHouseStore } from './clickhouse-store.js';

let server: TestClickHouse | undefined;

storeContract({
  name: 'ClickHouse',
  skip: clickhouseMissing(),
  open: async () => {
    server = await startClickHouse();
    return ClickHouseStore.open(server.storeUrl());
  },
  // SummingMergeTree merges rows with equal keys in the background: merged now, a key missing a column shows.
  settle: async (store) => {
    const { connection } = store as ClickHouseStore;
    await connection.run('OPTIMIZE TABLE rollup_minute FINAL');
    await connection.run('OPTIMIZE TABLE rollup_hour FINAL');
  },
  cleanup: async () => server?.stop(),
});
