import type { ReplyWindow } from '../../core/domain/channel-adapter.js';

/**
 * Meta's messaging window: a Page may answer with `messaging_type: RESPONSE` for 24 hours after the person's
 * last message; after that only with a message tag, and the one a helpdesk may use, `HUMAN_AGENT`, for 7 days
 * (and only for apps Meta approved for it — hence an inbox setting).
 */
export const STANDARD_WINDOW_MS = 24 * 3_600_000;
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 3_600_000;

export type WindowDecision = { send: 'RESPONSE' } | { send: 'HUMAN_AGENT' } | { send: false; reason: string };

export function replyWindowFor(
  lastCustomerMessageAt: Date | undefined,
  now: Date,
  allowHumanAgentTag: boolean,
): ReplyWindow {
  if (!lastCustomerMessageAt) {
    return {
      open: false,
      closesAt: null,
      canReply: false,
      detail: 'Messenger allows a Page to write only to people who wrote to it first.',
    };
  }
  const closesAt = new Date(lastCustomerMessageAt.getTime() + STANDARD_WINDOW_MS);
  if (now < closesAt) return { open: true, closesAt, canReply: true };
  const tagUntil = new Date(lastCustomerMessageAt.getTime() + HUMAN_AGENT_WINDOW_MS);
  if (allowHumanAgentTag && now < tagUntil) {
    return {
      open: false,
      closesAt,
      canReply: true,
      detail:
        `The 24-hour window closed at ${closesAt.toISOString()}; the reply goes with the HUMAN_AGENT tag ` +
        `(allowed until ${tagUntil.toISOString()}).`,
    };
  }
  return {
    open: false,
    closesAt,
    canReply: false,
    detail: allowHumanAgentTag
      ? `The customer last wrote more than 7 days ago; Messenger accepts no reply until they write again.`
      : `The 24-hour Messenger window closed at ${closesAt.toISOString()}; the customer must write again first ` +
        `(or enable the HUMAN_AGENT tag on the inbox, if Meta approved your app for it).`,
  };
}

export function decideSend(
  lastCustomerMessageAt: Date | undefined,
  now: Date,
  allowHumanAgentTag: boolean,
): WindowDecision {
  const w = replyWindowFor(lastCustomerMessageAt, now, allowHumanAgentTag);
  if (w.open) return { send: 'RESPONSE' };
  if (w.canReply) return { send: 'HUMAN_AGENT' };
  return { send: false, reason: w.detail ?? 'outside the messaging window' };
}
