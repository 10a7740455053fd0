import { modelsOf } from '../../../src/core/models/models-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../integration/web/web-harness.js';
import { sid } from '../../standins/twilio.js';
import {
  ACCOUNT_SID,
  CUSTOMER,
  fixture,
  PUBLIC_URL,
  startTwilioHub,
  VOICE_NUMBER,
  type Params,
  type TwilioHub,
} from './twilio-hub.js';

/** An attribute of the first element of a TwiML answer (XML-unescaped). */
const attr = (twiml: string, element: string, name: string): string | undefined => {
  const tag = new RegExp(`<${element}\\b[^>]*>`).exec(twiml)?.[0];
  const value = tag && new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
  return value
    ?.replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
};

/**
 * Phone calls through the real hub pieces: Twilio's voice webhook and each callback the TwiML asks for,
 * signed over exactly the URL our TwiML gave Twilio, posted to the hub like Twilio would.
 */
describe('Phone calls (Twilio voice)', () => {
  let hub: TwilioHub;
  let inboxId: string;
  const FORWARD = '+5511988887777';
  const AGENT_PHONE = '+5511977776666';

  beforeAll(async () => {
    hub = await startTwilioHub();
    inboxId = await hub.inbox('voice', {
      language: 'pt-BR',
      forwardTo: FORWARD,
      dialTimeoutSeconds: 15,
      agentPhone: AGENT_PHONE,
    });
  }, 60_000);
  afterAll(async () => hub?.stop());

  const models = () => modelsOf(hub.h.t.core);
  const messagesOf = async (ticketId: string) =>
    (await hub.agent.get(`/api/tickets/${ticketId}/messages`)).body.items as any[];
  const eventDone = (providerKey: string) =>
    eventually(async () => {
      const e = await models().InboundEvent.findById(providerKey).lean();
      return e?.status === 'processed' ? e : undefined;
    });
  const callEntry = (callSid: string) =>
    eventually(async () => {
      const m = await models()
        .Message.findOne({ providerKey: `call:${callSid}` })
        .lean();
      return m ?? undefined;
    });
  /** Posts to a callback URL our TwiML gave Twilio (signed over exactly that URL). */
  const postTo = async (url: string, params: Params) => {
    const u = new URL(url);
    expect(`${u.origin}${u.pathname}`).toBe(`${PUBLIC_URL}/webhooks/voice/${inboxId}`);
    return hub.post('voice', inboxId, params, { query: u.search });
  };

  it("a call rings the forward number; unanswered, it goes to voicemail; recording and later transcription land on the call entry in the caller's open ticket", async () => {
    // An earlier call from the same customer opened a ticket (answered at the desk).
    const earlier = fixture('voice-incoming-call', { CallSid: sid('CA') });
    const first = await hub.post('voice', inboxId, earlier);
    expect(first.status).toBe(200);
    const firstTwiml = await first.text();
    expect(first.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(attr(firstTwiml, 'Say', 'voice')).toBe('Polly.Camila');
    expect(attr(firstTwiml, 'Say', 'language')).toBe('pt-BR');
    expect(firstTwiml).toContain('Olá! Obrigado por ligar.');
    expect(attr(firstTwiml, 'Dial', 'timeout')).toBe('15');
    expect(firstTwiml).toContain(`<Number>${FORWARD}</Number>`);
    const answeredAfterDial = await postTo(
      attr(firstTwiml, 'Dial', 'action')!,
      fixture('voice-dial-no-answer', {
        CallSid: earlier.CallSid!,
        DialCallStatus: 'completed',
        DialCallDuration: '42',
      }),
    );
    expect(await answeredAfterDial.text()).toContain('<Hangup/>');
    await eventDone(`call:${earlier.CallSid}:dial`);
    const ticketId = String((await callEntry(earlier.CallSid!)).ticketId);

    // The voicemail call (the fixtures' CallSid).
    const call = fixture('voice-incoming-call');
    const twiml = await (await hub.post('voice', inboxId, call)).text();
    const entry = await callEntry(call.CallSid!);
    expect(String(entry.ticketId)).toBe(ticketId);
    expect(entry).toMatchObject({
      kind: 'call',
      direction: 'inbound',
      call: { direction: 'inbound', status: 'ringing', from: CUSTOMER, to: VOICE_NUMBER },
    });

    const afterDial = await (await postTo(attr(twiml, 'Dial', 'action')!, fixture('voice-dial-no-answer'))).text();
    expect(afterDial).toContain('Deixe sua mensagem após o sinal.');
    expect(attr(afterDial, 'Record', 'transcribe')).toBe('true');
    expect(attr(afterDial, 'Record', 'maxLength')).toBe('120');

    // Twilio's recording: served as MP3 at the recording URL with the extension.
    const audio = Buffer.from('ID3\x03\x00 fake mp3 voicemail', 'latin1');
    const recording = fixture('voice-recording-status');
    hub.standin.addMedia(`${new URL(recording.RecordingUrl!).pathname}.mp3`, audio, 'audio/mpeg');
    const thanks = await (await postTo(attr(afterDial, 'Record', 'action')!, fixture('voice-record-action'))).text();
    expect(thanks).toContain('<Hangup/>');
    expect((await postTo(attr(afterDial, 'Record', 'recordingStatusCallback')!, recording)).status).toBe(200);
    await eventDone(`call:${call.CallSid}:recording:${recording.RecordingSid}`);

    // The transcription arrives later and completes the same entry.
    await postTo(attr(afterDial, 'Record', 'transcribeCallback')!, fixture('voice-transcription'));
    await eventDone(`call:${call.CallSid}:transcription`);
    const thread = await messagesOf(ticketId);
    const calls = thread.filter((m) => m.kind === 'call');
    expect(calls).toHaveLength(2);
    expect(calls[0].call).toMatchObject({ status: 'answered', durationSeconds: 42 });
    const voicemail = calls[1];
    expect(voicemail.call).toMatchObject({
      direction: 'inbound',
      status: 'voicemail',
      durationSeconds: 14,
      from: CUSTOMER,
      to: VOICE_NUMBER,
      transcription: 'Hi, this is Ana, my order 4411 has not arrived yet. Please call me back.',
    });
    expect(voicemail.attachments).toEqual([
      expect.objectContaining({
        fileName: `voicemail-${recording.RecordingSid}.mp3`,
        mimeType: 'audio/mpeg',
        size: audio.length,
      }),
    ]);
    const played = await fetch(`${hub.h.baseUrl}/api/attachments/${voicemail.attachments[0].blobId}`, {
      headers: { cookie: hub.agent.cookie! },
    });
    expect(Buffer.from(await played.arrayBuffer())).toEqual(audio);
    expect(
      hub.h.t.events.some(
        (e) => e.type === 'message.updated' && e.message.id === voicemail.id && e.message.call?.transcription,
      ),
    ).toBe(true);
  });

  it('callbacks out of order or twice: the final state wins and the recording is attached once', async () => {
    const callSid = sid('CA');
    const recordingSid = sid('RE');
    const call = fixture('voice-incoming-call', { CallSid: callSid, From: '+5511912349999' });
    const twiml = await (await hub.post('voice', inboxId, call)).text();
    const dialUrl = attr(twiml, 'Dial', 'action')!;
    const base = new URL(dialUrl);
    const url = (cb: string) =>
      `${base.origin}${base.pathname}?cb=${cb}&caller=${encodeURIComponent('+5511912349999')}`;
    const recordingUrl = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recordingSid}`;
    hub.standin.addMedia(`${new URL(recordingUrl).pathname}.mp3`, Buffer.from('mp3'), 'audio/mpeg');
    const recording = fixture('voice-recording-status', {
      CallSid: callSid,
      RecordingSid: recordingSid,
      RecordingUrl: recordingUrl,
      RecordingDuration: '9',
    });
    // The recording is reported before the dial outcome, and twice.
    await Promise.all([postTo(url('recording'), recording), postTo(url('recording'), recording)]);
    await postTo(dialUrl, fixture('voice-dial-no-answer', { CallSid: callSid, From: '+5511912349999' }));
    await eventDone(`call:${callSid}:dial`);
    const entry = await callEntry(callSid);
    expect(entry.call).toMatchObject({ status: 'voicemail', durationSeconds: 9 });
    expect(entry.attachments).toHaveLength(1);
    const late = await models().InboundEvent.findById(`call:${callSid}:dial`).lean();
    expect(late?.result?.outcome).toBe('unchanged');
  });

  it('a bad signature is 403 and stores nothing; the same call webhook three times at once is one call entry', async () => {
    const call = fixture('voice-incoming-call', { CallSid: sid('CA'), From: '+5511912348888' });
    const count = await models().InboundEvent.countDocuments({});
    expect((await hub.post('voice', inboxId, call, { signature: 'Zm9yZ2Vk' })).status).toBe(403);
    expect((await hub.post('voice', inboxId, call, { signedBase: 'https://elsewhere.example.org' })).status).toBe(403);
    expect(await models().InboundEvent.countDocuments({})).toBe(count);
    const answers = await Promise.all([1, 2, 3].map(() => hub.post('voice', inboxId, call)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    // Every answer is the same TwiML: a retry gets the same instructions.
    const bodies = await Promise.all(answers.map((a) => a.text()));
    expect(new Set(bodies).size).toBe(1);
    await eventDone(`call:${call.CallSid}`);
    expect(await models().Message.countDocuments({ providerKey: `call:${call.CallSid}` })).toBe(1);
  });

  it('an agent reply on a call ticket goes out as SMS from the voice number; its status callback lands on the voice webhook', async () => {
    const call = fixture('voice-incoming-call', { CallSid: sid('CA'), From: '+5511912347777' });
    await hub.post('voice', inboxId, call);
    const ticketId = String((await callEntry(call.CallSid!)).ticketId);
    const reply = await hub.agent.post(`/api/tickets/${ticketId}/reply`, {
      text: 'Vimos sua ligação; retornamos em breve.',
    });
    const sent = await eventually(async () => hub.standin.messages.find((m) => m.to === '+5511912347777'));
    expect(sent).toMatchObject({
      from: VOICE_NUMBER,
      body: 'Vimos sua ligação; retornamos em breve.',
      statusCallback: `${PUBLIC_URL}/webhooks/voice/${inboxId}?cb=status`,
    });
    await eventually(async () =>
      (await models().Message.findById(reply.body.id).lean())?.providerMessageId ? true : undefined,
    );
    await hub.post(
      'voice',
      inboxId,
      fixture('sms-status-delivered', { MessageSid: sent.sid, To: '+5511912347777', From: VOICE_NUMBER }),
      { query: '?cb=status' },
    );
    const m = await eventually(async () => {
      const x = (await messagesOf(ticketId)).find((y) => y.id === reply.body.id);
      return x?.deliveryStatus === 'delivered' ? x : undefined;
    });
    expect(m.direction).toBe('outbound');
  });

  it("call-back: Twilio rings the agent's phone and connects the customer; the call is recorded in the ticket", async () => {
    const inbound = fixture('voice-incoming-call', { CallSid: sid('CA'), From: '+5511912346666' });
    await hub.post('voice', inboxId, inbound);
    const ticketId = String((await callEntry(inbound.CallSid!)).ticketId);
    const res = await hub.agent.post(`/api/tickets/${ticketId}/call`);
    expect(res.status).toBe(202);
    const placed = await eventually(async () => hub.standin.calls.find((c) => c.to === AGENT_PHONE));
    expect(placed.from).toBe(VOICE_NUMBER);
    expect(placed.twiml).toContain(
      `<Dial callerId="${VOICE_NUMBER}" timeout="15"><Number>+5511912346666</Number></Dial>`,
    );
    const entry = await callEntry(placed.sid);
    expect(String(entry.ticketId)).toBe(ticketId);
    expect(entry.call).toMatchObject({
      direction: 'outbound',
      status: 'ringing',
      from: VOICE_NUMBER,
      to: '+5511912346666',
    });
    await postTo(
      placed.statusCallback!,
      fixture('voice-call-status-completed', { CallSid: placed.sid, To: AGENT_PHONE, From: VOICE_NUMBER }),
    );
    await eventDone(`call:${placed.sid}:status:completed`);
    const thread = await messagesOf(ticketId);
    expect(thread.find((m) => m.providerMessageId === placed.sid).call).toMatchObject({
      direction: 'outbound',
      status: 'answered',
      durationSeconds: 95,
    });
  });

  it('call-back is refused clearly where it cannot work: no agent phone on the inbox, or a ticket of another channel', async () => {
    const noAgent = await hub.inbox('voice', { language: 'en-US' });
    const call = fixture('voice-incoming-call', { CallSid: sid('CA'), From: '+5511912345555' });
    await hub.post('voice', noAgent, call);
    const ticketId = String((await callEntry(call.CallSid!)).ticketId);
    const before = hub.standin.calls.length;
    const missing = await hub.agent.post(`/api/tickets/${ticketId}/call`);
    expect([missing.status, missing.body.error.code]).toEqual([409, 'AGENT_PHONE_MISSING']);
    const sms = await hub.inbox('sms');
    const text = fixture('sms-inbound', { MessageSid: sid('SM'), From: '+5511912345556' });
    await hub.post('sms', sms, text);
    const smsTicket = await eventually(async () => {
      const m = await models()
        .Message.findOne({ providerKey: `sms:${text.MessageSid}` })
        .lean();
      return m ? String(m.ticketId) : undefined;
    });
    const refused = await hub.agent.post(`/api/tickets/${smsTicket}/call`);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'CALL_NOT_SUPPORTED']);
    expect(hub.standin.calls.length).toBe(before);
  });
});
