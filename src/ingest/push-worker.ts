import { parentPort } from 'node:worker_threads';
import { columnBuffers, toColumns } from '../rollup/row-columns.js';
import { type PushJob, parsePush } from './push-parse.js';
import type { PushReply } from './push-pool.js';

// One parsing thread of the push pool: a pushed body in, its rollup rows and counts out (or the body back).
const port = parentPort!;

port.on('message', async ({ id, job }: { id: number; job: PushJob }) => {
  let parsed: Awaited<ReturnType<typeof parsePush>>;
  try {
    parsed = await parsePush(job);
  } catch {
    // Whatever went wrong here, the streaming ingest on the main thread says it properly.
    parsed = undefined;
  }
  if (!parsed) {
    const reply: PushReply = { id, body: job.body };
    port.postMessage(reply, [job.body.buffer as ArrayBuffer]);
    return;
  }
  const { rows, ...counts } = parsed;
  const columns = toColumns(rows);
  const reply: PushReply = { id, counts, columns };
  port.postMessage(reply, columnBuffers(columns));
});
