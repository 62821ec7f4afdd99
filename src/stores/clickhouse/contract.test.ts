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
  cleanup: async () => server?.stop(),
});
