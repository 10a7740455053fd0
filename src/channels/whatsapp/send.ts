import type { OutboundMessage, SendResult } from '../../core/domain/channel-adapter.js';
import { ChannelError } from '../../core/errors/app-error.js';
import type { WhatsAppClientPort } from './port.js';

/** The chat to send to: the conversation's wid, or a wid built from the customer's phone. */
export function chatIdFor(out: OutboundMessage): string {
  if (out.conversationId?.includes('@')) return out.conversationId;
  const digits = (out.to.phone ?? out.to.handle).replace(/\D/g, '');
  if (!digits) throw new ChannelError('INVALID_RECIPIENT', 'No WhatsApp number for this conversation', false);
  return `${digits}@c.us`;
}

/**
 * Text, or each attachment as its own WhatsApp message (the first carries the text as caption). Every id
 * WhatsApp gives is told to `sent` at once, so the echoes are recognised. The first id is the message's.
 */
export async function sendOutbound(client: WhatsAppClientPort, out: OutboundMessage, sent: (id: string) => void): Promise<SendResult> {
  const chatId = chatIdFor(out);
  const quoted = out.threading.quotedProviderMessageId;
  const ids: string[] = [];
  if (out.attachments.length === 0) {
    const m = await client.sendMessage(chatId, out.text, quoted ? { quotedMessageId: quoted } : {});
    sent(m.id._serialized);
    ids.push(m.id._serialized);
  } else {
    for (const [i, a] of out.attachments.entries()) {
      const inline = /^(image|video)\//.test(a.mimeType);
      const m = await client.sendMessage(
        chatId,
        { mimetype: a.mimeType, data: a.content.toString('base64'), filename: a.fileName },
        {
          ...(i === 0 && out.text ? { caption: out.text } : {}),
          ...(i === 0 && quoted ? { quotedMessageId: quoted } : {}),
          ...(inline || a.mimeType.startsWith('audio/') ? {} : { sendMediaAsDocument: true }),
        },
      );
      sent(m.id._serialized);
      ids.push(m.id._serialized);
    }
  }
  return { providerMessageId: ids[0]!, sentAt: new Date() };
}

/** WhatsApp Web errors are untyped: a bad number is permanent, everything else (page gone, timeouts) retryable. */
export function classifySendError(err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  const message = String((err as Error)?.message ?? err);
  if (/invalid wid|wid error|no lid for user|not a whatsapp user|phone number is not registered/i.test(message)) {
    return new ChannelError('INVALID_RECIPIENT', `WhatsApp refused the recipient: ${message}`, false);
  }
  return new ChannelError('SEND_FAILED', `WhatsApp Web could not send: ${message}`, true);
}
