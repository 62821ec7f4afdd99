import { statSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import type { DuckDBConnection } from '@duckdb/node-api';

/** DuckDB's own words when another process holds the file: only then is the store "in use". */
const LOCKED = /Could not set lock on file|Conflicting lock is held/i;
/** Bytes before the first block of a DuckDB file: the main header and its two database headers. */
const HEADER_BYTES = 3 * 4096;

/** The error to show when DuckDB cannot open a store file: locked by another process, or unreadable and why. */
export function openError(err: unknown, path: string): Error {
  // DuckDB's messages may end in "!" or ".": the sentence after it is ours.
  const message = (err as Error).message.replace(/[.!\s]+$/, '');
  if (LOCKED.test(message)) {
    return new Error(
      `the store ${path} is in use by another process (DuckDB allows one writer per file): if it is edgestat serve, ask it instead (edgestat query --server URL, edgestat ingest --server URL), or stop it. ${message}`,
    );
  }
  return new Error(
    `the store ${path} cannot be read: ${message}. Restore it from a backup, or start a new store file`,
    {
      cause: err,
    },
  );
}

/**
 * Refuses a store file DuckDB opened but cannot fully read: a file shorter than the blocks its
 * header counts (a truncated copy), or table metadata that fails to load. Both would otherwise
 * fail only later, on every query.
 */
export async function checkReadable(connection: DuckDBConnection, path: string): Promise<void> {
  const [size] = (await connection.runAndReadAll('PRAGMA database_size')).getRowObjectsJS();
  // Used blocks, not total: a checkpoint after deletes cuts free blocks off the end of the file
  // while the header still counts them, and such a file is whole.
  const expected = HEADER_BYTES + Number(size.used_blocks) * Number(size.block_size);
  const actual = statSync(path, { throwIfNoEntry: false })?.size;
  if (actual !== undefined && Number(size.used_blocks) > 0 && actual < expected) {
    throw new Error(
      `the store ${path} cannot be read: it is truncated (${actual} bytes, its header counts ${expected}). Restore it from a backup, or start a new store file`,
    );
  }
  try {
    const tables = (await connection.runAndReadAll('SELECT table_name FROM duckdb_tables()')).getRowsJS();
    for (const [table] of tables) {
      await connection.run(`SELECT count(*) FROM pragma_storage_info('${String(table).replaceAll("'", "''")}')`);
    }
  } catch (err) {
    throw openError(err, path);
  }
}

/**
 * New files of this process are readable by their owner only: the DuckDB file and the WAL hold
 * token hashes, and DuckDB creates its WAL and temp files at any later write, not just at open.
 */
export function ownerOnlyFiles(): void {
  // Worker threads cannot change the umask; the main thread set it for the process.
  if (isMainThread) process.umask(process.umask() | 0o077);
}
