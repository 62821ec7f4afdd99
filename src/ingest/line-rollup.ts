import type { RejectReason } from '../model/rejection.js';
import { emptyRequest, resetRequest } from '../model/request.js';
import { type Parser, SKIP } from '../parsers/parser.js';
import { Rollup } from '../rollup/rollup.js';
import type { LineHandler } from '../sources/lines.js';
import { Tally } from './tally.js';

/** The per-line hot path: parse into one reused request, then roll it up or tally the rejection. */
export class LineRollup implements LineHandler {
  readonly rollup = new Rollup();
  tally = new Tally();
  private readonly request = emptyRequest();

  constructor(private readonly parser: Parser) {}

  line(text: string, lineNo: number): void {
    const request = this.request;
    resetRequest(request);
    const rejection = this.parser.parse(text, request);
    if (rejection === SKIP) this.tally.skipped++;
    else if (rejection) this.tally.reject(lineNo, rejection, text);
    else {
      this.tally.accepted++;
      this.rollup.add(request);
    }
  }

  bad(lineNo: number, reason: RejectReason, detail: string, text: string): void {
    this.tally.reject(lineNo, { reason, detail }, text);
  }
}
