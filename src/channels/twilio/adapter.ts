import type {
  ChannelAdapter,
  ChannelContext,
  ChannelHealth,
  FetchedMedia,
  OutboundMessage,
  RemoteMedia,
  SendResult,
} from '../../core/domain/channel-adapter.js';
import { normalisePhone } from '../../core/contacts/phone-identity.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { createTwilioClient, downloadTwilioMedia, type TwilioClient } from './client.js';
import { describeTwilioError, toChannelError } from './error-codes.js';
import { parseTwilioSettings, senderOf, type TwilioKind, type TwilioSettings, type VoiceSettings } from './settings.js';
import { callbackUrl, connectCustomer } from './voice-twiml.js';

/** Hub-wide facts the catalogue passes in from the config. */
export interface TwilioAdapterOptions {
  /** The hub's PUBLIC_URL; an inbox's `publicUrl` setting overrides it. */
  publicUrl: string;
  /** `TWILIO_API_BASE_URL`: every Twilio URL (REST, media) goes there instead (a stand-in in tests). */
  apiBaseUrl?: string | undefined;
}

/**
 * One Twilio inbox, kind `sms` or `voice`. Stateless (webhooks bring everything in), so it runs in every
 * hub process and has no session. Sends SMS through the REST API with a status callback to the inbox's
 * webhook (`?cb=status`); a voice inbox's text replies go out as SMS from its number. Downloads MMS media and
 * call recordings with the account's credentials. A voice inbox starts call-backs (`startCall`).
 */
export class TwilioAdapter implements ChannelAdapter {
  private settings?: TwilioSettings;
  private client?: TwilioClient;
  private ctx?: ChannelContext;

  constructor(
    readonly kind: TwilioKind,
    private readonly inboxId: string,
    private readonly options: TwilioAdapterOptions,
  ) {}

  async start(ctx: ChannelContext): Promise<void> {
    if (this.client) return;
    this.settings = parseTwilioSettings(this.kind, ctx.settings);
    this.client = createTwilioClient(this.settings.accountSid, this.settings.authToken, this.options.apiBaseUrl);
    this.ctx = ctx;
  }

  /** Where Twilio calls us for this inbox (status callbacks are signed over this URL). */
  webhookUrl(): string {
    const base = (this.settings?.publicUrl ?? this.options.publicUrl).replace(/\/+$/, '');
    return `${base}/webhooks/${this.kind}/${this.inboxId}`;
  }

  async send(out: OutboundMessage): Promise<SendResult> {
    const { client, settings } = this.ready();
    if (out.attachments.length) {
      // Twilio fetches MMS media from a public URL; the hub has none for agents' files yet.
      throw new ChannelError(
        'SMS_MEDIA_UNSUPPORTED',
        'sending files by SMS/MMS is not supported yet; send the text alone',
        false,
      );
    }
    const to = normalisePhone(out.to.phone ?? out.to.handle) ?? out.to.handle;
    try {
      // Twilio splits a long text into segments itself (and joins them on the phone): sent whole.
      const message = await client.messages.create({
        to,
        body: out.text,
        ...senderOf(settings),
        statusCallback: `${this.webhookUrl()}?cb=status`,
      });
      return { providerMessageId: message.sid, sentAt: message.dateCreated ?? new Date() };
    } catch (err) {
      const error = toChannelError(err);
      if (error.code === 'RECIPIENT_OPTED_OUT' && to.startsWith('+')) await this.recordOptOut(out, to);
      throw error;
    }
  }

  async fetchMedia(media: RemoteMedia, maxBytes: number): Promise<FetchedMedia> {
    const { settings } = this.ready();
    return downloadTwilioMedia(media.remoteRef, settings, this.options.apiBaseUrl, maxBytes);
  }

  /**
   * Call-back (voice inboxes): Twilio rings the agent's phone, then dials the customer with the inbox's
   * number as caller id. The call lands in the customer's ticket as an outbound call entry; its status
   * callbacks complete it like an inbound call's.
   */
  async startCall(customer: string, agentPhone?: string): Promise<{ providerCallId: string }> {
    const { client, settings } = this.ready();
    if (this.kind !== 'voice')
      throw new ChannelError('CALL_NOT_SUPPORTED', 'only phone-call inboxes place calls', false);
    const voice = settings as VoiceSettings;
    const agent = agentPhone ?? voice.agentPhone;
    if (!agent) throw new ChannelError('AGENT_PHONE_MISSING', 'set the agent phone for call-backs on the inbox', false);
    const to = normalisePhone(customer) ?? customer;
    let sid: string;
    try {
      const call = await client.calls.create({
        to: agent,
        from: voice.phoneNumber,
        twiml: connectCustomer(voice, to),
        statusCallback: callbackUrl(this.webhookUrl(), 'status', to),
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['answered', 'completed'],
      });
      sid = call.sid;
    } catch (err) {
      throw toChannelError(err);
    }
    await this.ctx!.emit([
      {
        type: 'message.received',
        providerKey: `call:${sid}`,
        inboxId: this.inboxId,
        occurredAt: new Date(),
        providerMessageId: sid,
        sender: { handle: to, ...(to.startsWith('+') ? { phone: to } : {}) },
        text: `Call to ${to}`,
        attachments: [],
        threading: { conversationId: to },
        call: { direction: 'outbound', status: 'ringing', from: voice.phoneNumber, to },
      },
    ]);
    return { providerCallId: sid };
  }

  async checkHealth(): Promise<ChannelHealth> {
    const { client, settings } = this.ready();
    try {
      const account = await client.api.v2010.accounts(settings.accountSid).fetch();
      const ok = account.status === 'active';
      return {
        status: ok ? 'ok' : 'down',
        ...(ok ? {} : { detail: `Twilio account is ${account.status}` }),
        checkedAt: new Date(),
      };
    } catch (err) {
      return { status: 'down', detail: toChannelError(err).message, checkedAt: new Date() };
    }
  }

  async stop(): Promise<void> {
    this.client = undefined;
  }

  /** Twilio refused the send because the customer texted STOP before (maybe on another of our numbers). */
  private async recordOptOut(out: OutboundMessage, phone: string): Promise<void> {
    await this.ctx!.emit([
      {
        type: 'contact.consent',
        providerKey: `sms:out:${out.messageId}:opted-out`,
        inboxId: this.inboxId,
        occurredAt: new Date(),
        identityKey: `phone:${phone}`,
        conversationId: out.conversationId ?? phone,
        channel: 'sms',
        optedOut: true,
        reason: describeTwilioError('21610'),
      },
    ]).catch((err: unknown) => this.ctx!.logger.warn({ err, inboxId: this.inboxId }, 'opt-out not recorded'));
  }

  private ready(): { client: TwilioClient; settings: TwilioSettings } {
    if (!this.client || !this.settings)
      throw new ChannelError('CHANNEL_NOT_STARTED', 'Twilio channel not started', true);
    return { client: this.client, settings: this.settings };
  }
}
