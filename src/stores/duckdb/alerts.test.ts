import { join } from 'node:path';
import { alertStoreContract } from '../../testing/alert-store-contract.js';
import { tempDir } from '../../testing/paths.js';
import { DuckDBStore } from './duckdb-store.js';

alertStoreContract({ name: 'DuckDB', open: () => DuckDBStore.open(join(tempDir(), 'alerts.duckdb')) });
