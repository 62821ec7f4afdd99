import { openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { createParser } from '../parsers/registry.js';
import { columnBuffers, toColumns } from '../rollup/row-columns.js';
import { splitFileRange } from '../sources/file-range.js';
import { LineSplitter } from '../sources/lines.js';
import { LineRollup } from './line-rollup.js';
import type { BlockReport, WorkerInit, WorkerReply, WorkerRequest } from './parallel.js';
import { Tally } from './tally.js';

// One parsing thread of a parallel ingest: its format first (it may start before the format is
// known), then blocks of whole lines (or ranges of a file to read) in, tallies and rollup rows out.
const port = parentPort!;
let init: WorkerInit;
let lines: LineRollup;
let fd: number | undefined;

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'init') {
    init = message.init;
    lines = new LineRollup(createParser(init.format, init.options));
    return;
  }
  if (message.type === 'finish') {
    const columns = toColumns(lines.rollup.drain());
    port.postMessage({ type: 'done', columns } satisfies WorkerReply, columnBuffers(columns));
    return;
  }
  lines.tally = new Tally();
  const splitter = new LineSplitter(lines, init.maxLineBytes);
  const report: BlockReport = { type: 'block', seq: message.seq, lines: 0, tally: lines.tally };
  if (message.type === 'range') {
    fd ??= openSync(init.file!.path, 'r');
    report.raw = splitFileRange(
      fd,
      init.file!.size,
      message.start,
      message.end,
      message.buffer,
      splitter,
      lines,
      init.maxLineBytes,
    );
  } else {
    splitter.push(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
    splitter.end();
  }
  report.lines = splitter.lineNo;
  const transfer = report.raw ? [report.raw.buffer] : [];
  if (lines.rollup.size >= init.flushKeys) {
    report.columns = toColumns(lines.rollup.drain());
    transfer.push(...columnBuffers(report.columns));
  }
  port.postMessage(report satisfies WorkerReply, transfer);
});
