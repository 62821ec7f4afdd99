import type { CommitRecord, IngestRecord } from './store.js';

/** The key was committed before with other content: nothing of this batch was written. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(
    readonly key: string,
    /** The earlier commit; undefined when only part of it landed (it broke off before its record). */
    readonly committed?: IngestRecord,
  ) {
    super(
      committed
        ? `key "${key}" was committed on ${new Date(committed.at).toISOString()} with other content ` +
            `(${committed.accepted} lines accepted): nothing of this batch was written; send new content under a new key`
        : `key "${key}" was partly written before with other content (that commit broke off): nothing of this ` +
            'batch was written; send that content again under this key to complete it, or new content under a new key',
    );
  }
}

/**
 * Decides a commit whose key is already recorded: the same content (or content that
 * cannot be compared, from records kept before hashes were) is a duplicate; other
 * content throws, because answering "duplicate" would drop the new lines silently.
 */
export function judgeExisting(existing: IngestRecord, record: CommitRecord): 'duplicate' {
  const hash = record.contentHash ?? '';
  if (hash !== '' && existing.contentHash !== '' && hash !== existing.contentHash) {
    throw new IdempotencyConflictError(record.key, existing);
  }
  return 'duplicate';
}
