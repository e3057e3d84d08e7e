/**
 * Webhook signatures: `Darkroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
 * (the timestamp is signed, so a captured delivery cannot be replayed later). Clients verify
 * with `verifyWebhook`, which also refuses deliveries older than the tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'darkroom-signature';

export const webhookSignature = (
  secret: string,
  body: string,
  at = Math.floor(Date.now() / 1000),
): string => `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`;

export function verifyWebhook(
  secret: string,
  header: string,
  body: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  const at = Number(/(?:^|,)t=(\d+)/.exec(header)?.[1]);
  const given = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
  if (!given || !Number.isFinite(at) || Math.abs(now / 1000 - at) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${at}.${body}`).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}
