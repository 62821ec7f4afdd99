/** Why a line was rejected. Stable codes: they appear in summaries, the API and metrics. */
export const REJECT_REASONS = {
  'invalid-json': 'not valid JSON',
  'not-an-object': 'JSON value is not an object',
  'missing-field': 'a required field is missing',
  'wrong-type': 'a field has the wrong type',
  'bad-timestamp': 'timestamp missing, unparseable or out of range',
  'bad-status': 'status is not an HTTP status code (100-599)',
  'missing-zone': 'no zone in the line and none given (--zone)',
  'bad-zone': 'zone name is not 1 to 255 letters, digits, and . _ : -',
  'format-mismatch': 'line does not match the log format',
  'line-too-long': 'line longer than the limit (1 MiB by default)',
  'invalid-utf8': 'line is not valid UTF-8',
  binary: 'line contains binary data (NUL or control bytes)',
  'too-many-zones': 'a new zone, and the store already holds as many zones as allowed (limits.zones)',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

/** A rejected line: its reason code and a human detail naming field and value. */
export interface Rejection {
  reason: RejectReason;
  detail: string;
}

export function reject(reason: RejectReason, detail: string = REJECT_REASONS[reason]): Rejection {
  return { reason, detail };
}
