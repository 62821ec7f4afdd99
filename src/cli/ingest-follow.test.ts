import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLOUDFRONT_FIELDS } from '../parsers/cloudfront.js';
import { runQuery } from '../query/run.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { repoRoot, tempDir } from '../testing/paths.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');
const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const HEADER = `#Version: 1.0\n#Fields: ${CLOUDFRONT_FIELDS.join(' ')}\n`;

/** CloudFront lines numbered from..to, each with its number as sc-bytes: a byte sum tells lost or doubled lines. */
function cloudfrontLines(from: number, to: number): string {
  let text = '';
  for (let n = from; n <= to; n++) {
    const iso = new Date(T0 + n * 1000).toISOString();
    const values: Record<string, string> = {
      date: iso.slice(0, 10),
      time: iso.slice(11, 19),
      'x-edge-location': 'FRA56-P4',
      'sc-bytes': String(n),
      'sc-status': '200',
      'x-host-header': 'www.example.com',
      'x-edge-result-type': 'Miss',
      'x-edge-detailed-result-type': 'Miss',
    };
    text += `${CLOUDFRONT_FIELDS.map((f) => values[f] ?? '-').join('\t')}\n`;
  }
  return text;
}

class Follow {
  readonly child: ChildProcess;
  stderr = '';
  stdout = '';
  readonly exited: Promise<number | null>;

  constructor(db: string, file: string) {
    this.child = spawn(
      process.execPath,
      [
        CLI,
        'ingest',
        '--follow',
        '--follow-interval',
        '50',
        '--batch-lines',
        '200',
        '--zone',
        'example.com',
        '--db',
        db,
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stderr!.on('data', (chunk) => {
      this.stderr += chunk;
    });
    this.child.stdout!.on('data', (chunk) => {
      this.stdout += chunk;
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Accepted lines the batches reported so far. */
  get accepted(): number {
    return [...this.stderr.matchAll(/\+([\d,]+) accepted/g)].reduce(
      (sum, m) => sum + Number(m[1].replace(/,/g, '')),
      0,
    );
  }

  /** The byte the last committed batch ended at. */
  get offset(): number {
    const all = [...this.stderr.matchAll(/at byte ([\d,]+)/g)];
    return all.length ? Number(all[all.length - 1][1].replace(/,/g, '')) : 0;
  }

  async until(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out:\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function totals(db: string): Promise<{ requests: number; bytes: number }> {
  const store = await DuckDBStore.open(db);
  try {
    const answer = await runQuery(store, { zone: 'example.com', from: T0, to: T0 + 86_400_000, bucket: '1d', by: [] });
    return answer.rows.reduce((s, r) => ({ requests: s.requests + r.requests, bytes: s.bytes + r.bytes }), {
      requests: 0,
      bytes: 0,
    });
  } finally {
    await store.close();
  }
}

describe('edgestat ingest --follow (real processes)', () => {
  it('follows a CloudFront log, survives SIGKILL without double counting, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const db = join(dir, 'follow.duckdb');
    const log = join(dir, 'cloudfront.log');
    writeFileSync(log, HEADER + cloudfrontLines(1, 1000));

    const first = new Follow(db, log);
    await first.until(() => first.accepted >= 1000);
    assert.match(first.stderr, /\(cloudfront\)/, 'auto-detected from the #Fields header');
    appendFileSync(log, cloudfrontLines(1001, 1500));
    await first.until(() => first.accepted >= 1200);
    first.child.kill('SIGKILL');
    await first.exited;

    appendFileSync(log, cloudfrontLines(1501, 2000));
    const second = new Follow(db, log);
    // Batches of the first run may have committed after their last report: the store, not the output, says where to resume.
    await second.until(() => second.offset === statSync(log).size);
    assert.match(second.stderr, /resuming at byte \d+/);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.stderr);
    assert.match(second.stdout, /followed, .* accepted, 0 rejected/);

    const n = 2000;
    assert.deepEqual(await totals(db), { requests: n, bytes: (n * (n + 1)) / 2 });
  });
});
