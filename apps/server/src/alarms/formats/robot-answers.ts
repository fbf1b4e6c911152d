import { AlarmChannelType } from '@jobnest/common';
import { singleLine } from './alarm-summary';

/** Longest receiver answer kept in the delivery history. */
const MAX_ANSWER_BODY_CHARS = 300;

/** The number `key` of a JSON object body, or undefined when the body is not JSON or has no such number. */
function jsonNumber(body: string, key: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const value = (parsed as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : undefined;
}

/**
 * Whether a receiver accepted an alarm, and its answer in one line for the delivery history. Any non-2xx status is
 * a refusal. The chat robots of DingTalk, WeCom and Feishu answer 200 even to a refused message (a missing keyword,
 * a bad signature, a rate limit) and say so in the JSON body, so for them only a zero code is success, and a body
 * that is not JSON is not. EMAIL's status is the SMTP reply code, whose 2xx is success as well.
 */
export function judgeAnswer(type: AlarmChannelType, status: number, body: string): { ok: boolean; answer: string } {
  const text = singleLine(body, MAX_ANSWER_BODY_CHARS);
  const protocol = type === AlarmChannelType.EMAIL ? 'SMTP' : 'HTTP';
  const answer = text === '' ? `${protocol} ${status}` : `${protocol} ${status}: ${text}`;
  if (status < 200 || status > 299) return { ok: false, answer };
  switch (type) {
    case AlarmChannelType.WEBHOOK:
    case AlarmChannelType.SLACK:
    case AlarmChannelType.EMAIL:
      return { ok: true, answer };
    case AlarmChannelType.DINGTALK:
    case AlarmChannelType.WECOM:
      return { ok: jsonNumber(body, 'errcode') === 0, answer };
    case AlarmChannelType.FEISHU:
      return { ok: jsonNumber(body, 'code') === 0 || jsonNumber(body, 'StatusCode') === 0, answer };
  }
}
