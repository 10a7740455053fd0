import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Our outbound Message-IDs carry the ticket id, a random part and an HMAC, so a
 * reply's In-Reply-To can be traced back to the ticket even if the stored
 * message were gone, and nobody can forge a reference to a ticket.
 */
const PATTERN = /^<?ponte\.([0-9a-f]{24})\.([A-Za-z0-9_-]{16})\.([0-9a-f]{32})@([^>\s]+)>?$/;

function sign(secret: string, ticketId: string, nonce: string): string {
  return createHmac('sha256', `ponte:message-id:${secret}`).update(`${ticketId}.${nonce}`).digest('hex').slice(0, 32);
}

export function createOutboundMessageId(secret: string, ticketId: string, domain: string): string {
  const nonce = randomBytes(12).toString('base64url');
  return `<ponte.${ticketId}.${nonce}.${sign(secret, ticketId, nonce)}@${domain}>`;
}

/** The ticket id if this Message-ID is one of ours with a valid signature. */
export function ticketIdFromOurMessageId(secret: string, messageId: string): string | undefined {
  const m = PATTERN.exec(messageId.trim());
  if (!m) return undefined;
  const [, ticketId, nonce, mac] = m as unknown as [string, string, string, string];
  const expected = Buffer.from(sign(secret, ticketId, nonce), 'hex');
  const given = Buffer.from(mac, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given) ? ticketId : undefined;
}
