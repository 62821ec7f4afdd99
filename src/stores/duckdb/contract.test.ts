import { join } from 'node:path';
import { tempDir } from '../../testing/paths.js';
import { storeContract } from '../../testing/store-contract.js';
import { DuckDBStore } from './duckdb-store.js';

storeContract({ name: 'DuckDB', open: () => DuckDBStore.open(join(tempDir(), 'contract.duckdb')) });
