import { createHmac } from 'node:crypto';

/** Headers of a signed notification. A receiver recomputes the signature from the raw body. */
export const SIGNATURE_HEADERS = {
  id: 'x-edgestat-id',
  timestamp: 'x-edgestat-timestamp',
  signature: 'x-edgestat-signature',
} as const;

/** `v1=` and the hex HMAC-SHA256, keyed by the webhook's secret, of `${timestamp}.${body}` (timestamp in unix seconds). */
export function sign(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
