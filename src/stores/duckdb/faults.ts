import { StoreUnavailableError } from '../store.js';

/**
 * DuckDB's messages for a store that cannot do its work right now: the disk is full or failing,
 * memory ran out, or an earlier fatal error invalidated the database. None is the client's fault,
 * and nothing of the work was kept: callers retry later.
 */
const UNAVAILABLE =
  /No space left on device|ENOSPC|EIO\b|IO Error|Could not (?:write|read|truncate|sync|fsync|open) file|disk is full|Out of Memory Error|database has been invalidated|FATAL Error/i;

/** `err` as a StoreUnavailableError if it is a store fault, else unchanged. */
export function storeFault(err: unknown, path: string): unknown {
  if (err instanceof StoreUnavailableError || !(err instanceof Error)) return err;
  const text = `${err.message} ${(err as NodeJS.ErrnoException).code ?? ''}`;
  if (!UNAVAILABLE.test(text)) return err;
  const hint = /No space left|ENOSPC|disk is full/i.test(text) ? ' (the disk is full: free space, then retry)' : '';
  return new StoreUnavailableError(`the DuckDB store ${path} cannot work${hint}: ${err.message}`, { cause: err });
}

/** Runs store work, turning DuckDB's store faults into StoreUnavailableError. */
export async function guarded<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw storeFault(err, path);
  }
}
