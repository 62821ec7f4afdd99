import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreUnavailableError } from '../store.js';
import { str } from './sql.js';

/** The few store calls a claim needs: statements, rows, and the database its tables live in. */
export interface ClaimHost {
  readonly database: string;
  run(query: string): Promise<void>;
  rows<T>(query: string): Promise<T[]>;
}

export interface ClaimTiming {
  /** A claim whose newest generation is older than this belongs to a process that died or stalled: it may be taken over. */
  leaseMs: number;
  /** How long a committer waits for another process that holds the key before it answers "retry later". */
  waitMs: number;
}

/** Another process is committing the same key right now and did not finish in time: nothing was written; retry later. */
export class KeyBusyError extends StoreUnavailableError {}

/** Polling interval while another process holds the key. */
const POLL_MS = 50;
const LIST_ATTEMPTS = 10;

/**
 * The right to commit one ingest key, held as an empty table `claim_<hash>_<generation>`.
 * ClickHouse 18.16 has no transactions and no conditional insert, but CREATE TABLE of a
 * name is atomic on a server: of any number of processes creating the same name at once,
 * exactly one succeeds and the others get "already exists". That is the compare-and-set
 * this class builds on:
 *
 * - acquire: create generation 0 when there is none; when the newest generation is older
 *   than the lease (its holder died), create the next one; otherwise wait for the holder.
 * - hold (before every write): a takeover needs the newest generation to be a lease old, so
 *   within a third of the lease since the holder created its generation nothing can have
 *   happened and nothing is asked. After that the holder renews: it checks that no newer
 *   generation exists and creates the next one; failing either, another process took the
 *   key over, and it stops writing.
 * - release: renews if due (so that no one can take over while it drops), then drops the
 *   generations it knows of, its own last. After the ingest record is written every later
 *   commit of the key is a duplicate or a conflict; after a failure a retry may go on.
 *
 * A holder renews within a third of the lease plus one request's timeout, so a takeover
 * happens only to a process that died or stalled for longer than the lease.
 */
export class KeyClaim {
  /** Older generations this holder saw or made: its release drops them before its own. */
  private readonly older: number[];

  private constructor(
    private readonly host: ClaimHost,
    private readonly prefix: string,
    private readonly timing: ClaimTiming,
    private generation: number,
    older: number[],
  ) {
    this.older = older;
  }

  private since = performance.now();

  /**
   * Takes the claim on `key`, or resolves undefined once `settled()` says the key was
   * committed while this process waited. Throws KeyBusyError after `waitMs` of waiting.
   */
  static async acquire(
    host: ClaimHost,
    key: string,
    timing: ClaimTiming,
    settled: () => Promise<boolean>,
  ): Promise<KeyClaim | undefined> {
    const prefix = claimPrefix(key);
    const deadline = performance.now() + timing.waitMs;
    for (;;) {
      const held = await generations(host, prefix);
      const newest = held.at(-1);
      // Ages are whole seconds of the server's clock: one more second keeps "stale" on the safe side.
      const next =
        newest === undefined ? 0 : (newest.age - 1) * 1000 >= timing.leaseMs ? newest.generation + 1 : undefined;
      if (next !== undefined) {
        if (await create(host, prefix, next)) {
          return new KeyClaim(
            host,
            prefix,
            timing,
            next,
            held.map((g) => g.generation),
          );
        }
        continue; // another process created it first: look again
      }
      if (await settled()) return undefined;
      if (performance.now() >= deadline) {
        throw new KeyBusyError(
          `the batch "${key}" is being committed by another process right now: nothing was written; retry later`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  /** Call before every write: fails if the claim was taken over, renews it when due. */
  async hold(): Promise<void> {
    if (performance.now() - this.since < this.timing.leaseMs / 3) return;
    const held = await generations(this.host, this.prefix);
    if (!held.some((g) => g.generation === this.generation) || held.some((g) => g.generation > this.generation)) {
      throw this.lost();
    }
    if (!(await create(this.host, this.prefix, this.generation + 1))) throw this.lost();
    this.older.push(this.generation);
    this.generation++;
    this.since = performance.now();
  }

  /**
   * Drops the generations before the current one (best effort): a claim held for long, such as a
   * lease, renews into a new table every third of its lease, and those would pile up until release.
   */
  async dropOlder(): Promise<void> {
    for (const generation of this.older.splice(0)) {
      await this.host.run(`DROP TABLE IF EXISTS ${this.host.database}.${this.prefix}${generation}`).catch(() => {});
    }
  }

  /** Drops this claim's generations, unless it was taken over. Best effort: a claim left behind expires with its lease. */
  async release(): Promise<void> {
    try {
      await this.hold();
      for (const generation of [...this.older, this.generation])
        await this.host.run(`DROP TABLE IF EXISTS ${this.host.database}.${this.prefix}${generation}`);
    } catch {
      // Taken over (the new holder drops it), or ClickHouse went away: the lease ends it.
    }
  }

  private lost(): Error {
    return new StoreUnavailableError(
      'this commit stalled for longer than its claim lease and another process took the batch over: retry it',
    );
  }
}

/** Claims of keys whose newest generation is older than `maxAgeMs` (their processes died): dropped by retention, best effort. */
export async function dropStaleClaims(host: ClaimHost, maxAgeMs: number): Promise<void> {
  try {
    const youngest = new Map<string, number>();
    const names: string[] = [];
    for (const { name, age } of await listClaims(host, 'claim_')) {
      const m = /^(claim_[0-9a-f]{32}_)\d+$/.exec(name);
      if (!m) continue;
      names.push(name);
      youngest.set(m[1], Math.min(age, youngest.get(m[1]) ?? age));
    }
    for (const name of names) {
      const age = youngest.get(name.slice(0, name.lastIndexOf('_') + 1)) ?? 0;
      if ((age - 1) * 1000 > maxAgeMs) await host.run(`DROP TABLE IF EXISTS ${host.database}.${name}`);
    }
  } catch {
    // Left for the next round: a claim past its lease is taken over anyway.
  }
}

/** The claim tables of `key` are this prefix and a generation. Table names are not free text: the key enters only as a hash. */
export function claimPrefix(key: string): string {
  return `claim_${createHash('sha256').update(key).digest('hex').slice(0, 32)}_`;
}

/** The claim's generations with their ages in seconds, oldest generation first. */
async function generations(host: ClaimHost, prefix: string): Promise<{ generation: number; age: number }[]> {
  return (await listClaims(host, prefix))
    .map((r) => ({ generation: Number(r.name.slice(prefix.length)), age: r.age }))
    .filter((g) => Number.isSafeInteger(g.generation))
    .sort((a, b) => a.generation - b.generation);
}

/** Tables whose name starts with `prefix`, with their age in whole seconds of the server's clock. */
async function listClaims(host: ClaimHost, prefix: string): Promise<{ name: string; age: number }[]> {
  // A table being created is listed before its metadata file is in place, with a modification time
  // of 0: it is the newest claim there is (age 0), not one from 1970 to take over.
  const query = `SELECT name, if(toInt64(metadata_modification_time) = 0, 0,
       toInt64(now()) - toInt64(metadata_modification_time)) AS age FROM system.tables
     WHERE database = ${str(host.database)} AND startsWith(name, ${str(prefix)})`;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await host.rows<{ name: string; age: string }>(query)).map((r) => ({ name: r.name, age: Number(r.age) }));
    } catch (err) {
      // 18.16 fails the listing when a table it lists is dropped before it reads its metadata ("doesn't
      // exist", or "File not found" for the metadata file): list again.
      if (attempt >= LIST_ATTEMPTS || !/doesn't exist|File not found/.test((err as Error).message)) throw err;
      await sleep(POLL_MS / 5);
    }
  }
}

/** CREATE TABLE as compare-and-set: true for the one process that created the name. */
async function create(host: ClaimHost, prefix: string, generation: number): Promise<boolean> {
  try {
    await host.run(`CREATE TABLE ${host.database}.${prefix}${generation} (claimed UInt8) ENGINE = Null`);
    return true;
  } catch (err) {
    // "already exists", or (on some releases) another CREATE of the name still running, or (18.16)
    // a DROP of the name racing this CREATE ("File not found" for its metadata): look again.
    if (/already exists|right now|is being|File not found/i.test((err as Error).message)) return false;
    throw err;
  }
}
