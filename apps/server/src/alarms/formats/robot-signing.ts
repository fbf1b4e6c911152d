import { createHmac } from 'node:crypto';

/** The generic webhook's signature of `${timestamp}.${body}`: `sha256=<hex>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'X-Jobnest-Signature';
/** The generic webhook's send time (epoch ms), signed with the body so that an old request cannot be replayed. */
export const WEBHOOK_TIMESTAMP_HEADER = 'X-Jobnest-Timestamp';
/** The generic webhook's delivery id, the same on every retry: a receiver drops a duplicate by it. */
export const WEBHOOK_DELIVERY_HEADER = 'X-Jobnest-Delivery';

/**
 * A DingTalk robot URL signed for the robot's "加签" security setting: DingTalk accepts a request whose `timestamp`
 * (epoch ms, within an hour of its clock) and `sign` = base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)) are
 * in the query. The URL's own parameters (access_token) are kept; a stale timestamp or sign is replaced.
 */
export function dingTalkSignedUrl(url: string, secret: string, nowMs: number): string {
  const timestamp = String(nowMs);
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  const signed = new URL(url);
  signed.searchParams.set('timestamp', timestamp);
  signed.searchParams.set('sign', sign);
  return signed.toString();
}

/**
 * The `timestamp` and `sign` of a Feishu / Lark bot's signature check: the timestamp is in seconds, and the sign is
 * base64(HMAC-SHA256) keyed with `${timestamp}\n${secret}` over an empty message (Feishu's recipe: the secret is in
 * the key, not the message, unlike DingTalk's).
 */
export function feishuSign(secret: string, nowMs: number): { timestamp: string; sign: string } {
  const timestamp = String(Math.floor(nowMs / 1000));
  const sign = createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
  return { timestamp, sign };
}

/**
 * The generic webhook's X-Jobnest-Signature: `sha256=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`). The
 * timestamp is in the signed text so that a receiver checking its age knows it was not changed.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
