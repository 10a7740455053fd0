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
 * Ids of the parts of a message already sent, per outbound message id: each attachment is its own WhatsApp
 * message, and a retry after a later one failed must not send the earlier ones (and the caption) again.
 */
export type SendProgress = Map<string, string[]>;

/**
 * Text, or each attachment as its own WhatsApp message (the first carries the text as caption). Every id
 * WhatsApp gives is told to `sent` at once, so the echoes are recognised. The first id is the message's.
 * A retry sends only the parts `progress` does not hold yet.
 */
export async function sendOutbound(
  client: WhatsAppClientPort,
  out: OutboundMessage,
  sent: (id: string) => void,
  progress: SendProgress = new Map(),
): Promise<SendResult> {
  const chatId = chatIdFor(out);
  const quoted = out.threading.quotedProviderMessageId;
  const parts: Array<() => Promise<{ id: { _serialized: string } }>> =
    out.attachments.length === 0
      ? [() => client.sendMessage(chatId, out.text, quoted ? { quotedMessageId: quoted } : {})]
      : out.attachments.map((a, i) => () => {
          const inline = /^(image|video)\//.test(a.mimeType);
          return client.sendMessage(
            chatId,
            { mimetype: a.mimeType, data: a.content.toString('base64'), filename: a.fileName },
            {
              ...(i === 0 && out.text ? { caption: out.text } : {}),
              ...(i === 0 && quoted ? { quotedMessageId: quoted } : {}),
              ...(inline || a.mimeType.startsWith('audio/') ? {} : { sendMediaAsDocument: true }),
            },
          );
        });
  const ids = progress.get(out.messageId) ?? [];
  for (let i = ids.length; i < parts.length; i++) {
    const m = await parts[i]!();
    sent(m.id._serialized);
    ids.push(m.id._serialized);
    progress.set(out.messageId, ids);
  }
  progress.delete(out.messageId);
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
