const NEWLINE = 0x0a;

/** A run of whole lines, or one line that was too long to keep. */
export type Block = { kind: 'lines'; bytes: Buffer } | { kind: 'overlong'; head: string };

/**
 * Cuts a byte stream into blocks of whole lines (each ending at a newline) of
 * about `blockBytes`, so that the lines can be parsed in parallel and still be
 * numbered in order. A line longer than `maxLineBytes` is not held in memory:
 * it becomes an `overlong` block.
 */
export async function* lineBlocks(
  input: AsyncIterable<Buffer>,
  blockBytes: number,
  maxLineBytes: number,
): AsyncGenerator<Block> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let skippedHead = '';
  for await (let chunk of input) {
    if (skipping) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) continue;
      skipping = false;
      yield { kind: 'overlong', head: skippedHead };
      chunk = chunk.subarray(nl + 1);
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < blockBytes) continue;
    const nl = chunk.lastIndexOf(NEWLINE);
    if (nl !== -1) {
      const whole = Buffer.concat(pending, pendingBytes - (chunk.length - nl - 1));
      const rest = chunk.subarray(nl + 1);
      pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      pendingBytes = rest.length;
      yield { kind: 'lines', bytes: whole };
    } else if (pendingBytes > maxLineBytes + blockBytes) {
      // The last complete line may sit in an earlier chunk; everything after it is one over-long line.
      const joined = Buffer.concat(pending, pendingBytes);
      const lastNl = joined.lastIndexOf(NEWLINE);
      if (lastNl !== -1) yield { kind: 'lines', bytes: joined.subarray(0, lastNl + 1) };
      const tail = joined.subarray(lastNl + 1);
      if (tail.length > maxLineBytes) {
        skipping = true;
        skippedHead = tail.toString('utf8', 0, 200);
        pending = [];
        pendingBytes = 0;
      } else {
        pending = [Buffer.from(tail)];
        pendingBytes = tail.length;
      }
    }
  }
  if (skipping) yield { kind: 'overlong', head: skippedHead };
  else if (pendingBytes > 0) yield { kind: 'lines', bytes: Buffer.concat(pending, pendingBytes) };
}
