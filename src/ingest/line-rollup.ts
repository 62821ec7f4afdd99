import { quoted } from '../model/quoted.js';
import type { RejectReason } from '../model/rejection.js';
import { emptyRequest, type NormalizedRequest, resetRequest } from '../model/request.js';
import { VISITOR } from '../model/request-source.js';
import { isZoneName, ZONE_NAME_RULE } from '../model/zone-name.js';
import { type Parser, SKIP } from '../parsers/parser.js';
import { Rollup } from '../rollup/rollup.js';
import type { LineHandler } from '../sources/lines.js';
import { Tally } from './tally.js';

/** The per-line hot path: parse into one reused request, then roll it up or tally the rejection. */
export class LineRollup implements LineHandler {
  readonly rollup = new Rollup();
  tally = new Tally();
  private readonly request = emptyRequest();
  /** The last zone found valid: lines of one zone follow each other, so the rule runs about once per zone. */
  private goodZone = '';

  /** Lines as bytes, when the parser has a way to read them so (see `Parser.scan`). */
  readonly lineAt?: LineHandler['lineAt'];

  constructor(private readonly parser: Parser) {
    if (parser.scan) this.lineAt = this.scanned;
  }

  /** A line the parser's scan accepts is counted here; any other goes to `line` as text, which says why. */
  private scanned(bytes: Buffer, from: number, limit: number): number {
    const request = this.request;
    resetRequest(request);
    const end = this.parser.scan!(bytes, from, limit, request);
    if (end === -1 || (request.zone !== this.goodZone && !this.zoneOk(request.zone))) return -1;
    this.accept(request);
    return end;
  }

  line(text: string, lineNo: number): void {
    const request = this.request;
    resetRequest(request);
    const rejection = this.parser.parse(text, request);
    if (rejection === SKIP) this.tally.skipped++;
    else if (rejection) this.tally.reject(lineNo, rejection, text);
    else if (request.zone !== this.goodZone && !this.zoneOk(request.zone)) {
      // A zone the API could never name would be stored out of reach of every query.
      this.tally.reject(
        lineNo,
        { reason: 'bad-zone', detail: `zone ${quoted(request.zone)} is not ${ZONE_NAME_RULE}` },
        text,
      );
    } else this.accept(request);
  }

  private accept(request: NormalizedRequest): void {
    this.tally.accepted++;
    if (request.requestSource !== VISITOR) {
      const setAside = this.tally.setAside;
      setAside[request.requestSource] = (setAside[request.requestSource] ?? 0) + 1;
    }
    this.rollup.add(request);
  }

  private zoneOk(zone: string): boolean {
    if (!isZoneName(zone)) return false;
    this.goodZone = zone;
    return true;
  }

  bad(lineNo: number, reason: RejectReason, detail: string, text: string): void {
    this.tally.reject(lineNo, { reason, detail }, text);
  }
}
