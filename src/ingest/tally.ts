import type { Rejection, RejectReason } from '../model/rejection.js';
import type { RequestSource } from '../model/request-source.js';

export const SAMPLE_REJECTS = 10;

export interface RejectSample {
  line: number;
  reason: RejectReason;
  detail: string;
  text: string;
}

/** Counts of accepted, rejected and skipped (header) lines, with the first few rejected lines as samples. */
export class Tally {
  accepted = 0;
  rejected = 0;
  /** Lines that belong to the format but are not requests (W3C `#` headers). */
  skipped = 0;
  rejectsByReason: Partial<Record<RejectReason, number>> = {};
  samples: RejectSample[] = [];
  /** Accepted lines that are not visitor requests, by request source: stored, left out of the default views. */
  setAside: Partial<Record<RequestSource, number>> = {};

  reject(line: number, rejection: Rejection, text: string): void {
    this.rejected++;
    this.rejectsByReason[rejection.reason] = (this.rejectsByReason[rejection.reason] ?? 0) + 1;
    if (this.samples.length < SAMPLE_REJECTS) {
      this.samples.push({ line, reason: rejection.reason, detail: rejection.detail, text: text.slice(0, 200) });
    }
  }

  /** Adds another tally whose line numbers start after `lineOffset` lines of this input. */
  merge(other: Tally, lineOffset: number): void {
    this.accepted += other.accepted;
    this.rejected += other.rejected;
    this.skipped += other.skipped;
    for (const [reason, count] of Object.entries(other.rejectsByReason) as Array<[RejectReason, number]>) {
      this.rejectsByReason[reason] = (this.rejectsByReason[reason] ?? 0) + count;
    }
    for (const [source, count] of Object.entries(other.setAside) as Array<[RequestSource, number]>) {
      this.setAside[source] = (this.setAside[source] ?? 0) + count;
    }
    for (const s of other.samples) this.samples.push({ ...s, line: s.line + lineOffset });
    this.samples.sort((a, b) => a.line - b.line);
    this.samples.length = Math.min(this.samples.length, SAMPLE_REJECTS);
  }
}
