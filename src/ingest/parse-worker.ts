import { parentPort, workerData } from 'node:worker_threads';
import { createParser } from '../parsers/registry.js';
import { LineSplitter } from '../sources/lines.js';
import { LineRollup } from './line-rollup.js';
import type { BlockReport, WorkerInit, WorkerRequest } from './parallel.js';
import { Tally } from './tally.js';

// One parsing thread of a parallel ingest: blocks of whole lines in, tallies and rollup rows out.
const init = workerData as WorkerInit;
const lines = new LineRollup(createParser(init.format, init.options));
const port = parentPort!;

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'finish') {
    port.postMessage({ type: 'done', rows: lines.rollup.drain() });
    return;
  }
  lines.tally = new Tally();
  const splitter = new LineSplitter(lines, init.maxLineBytes);
  splitter.push(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
  splitter.end();
  const report: BlockReport = { type: 'block', seq: message.seq, lines: splitter.lineNo, tally: lines.tally };
  if (lines.rollup.size >= init.flushKeys) report.rows = lines.rollup.drain();
  port.postMessage(report);
});
