import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InboundEventSchema, type MessageReceived } from '../../../src/core/domain/inbound-event.js';
import { rawEmailToEvents } from '../../../src/channels/email/inbound-events.js';
import { mapRawEmail } from '../../../src/channels/email/mapper.js';
import { foldQuotedText, type QuoteStyle } from '../../../src/channels/email/quote-folding.js';
import { FIXTURE_DIR, FIXTURE_INBOX, FIXTURE_LOOP, FIXTURE_NOW, fixtureEvents, fixtureNames, readFixture } from './fixture-events.js';

/**
 * Every .eml in test/fixtures/email is mapped and compared with its
 * `<name>.expected.json` (the whole normalised result), and checked against the
 * hand-written intent below (what a person expects of that mail).
 * `UPDATE_EMAIL_FIXTURES=1` rewrites the JSON files; review the diff before committing.
 */

const OURS = (ticketHex: string): string => `<ponte.${ticketHex}`;

interface Intent {
  sender: string;
  subject?: string;
  automated?: string; // the RFC 3834 reason; absent = written by a person
  /** A `message.status` failed event for this original Message-ID prefix. */
  failed?: { original: string; reason: string };
  conversationId?: string;
  inReplyTo?: string;
  text?: string[];
  htmlHas?: string[];
  htmlLacks?: string[];
  attachments?: Array<{ name: string; mime?: string; inline?: boolean; cid?: string }>;
  fold?: { style: QuoteStyle; newText?: string };
  participants?: string[];
  noMessageId?: boolean;
  /** Our own mail come back: no event at all. */
  dropped?: 'from-own-address' | 'x-loop';
  textLacks?: string[];
  /** Where answers go (email Reply-To), the sender staying the author. */
  replyTo?: string;
}

const intents: Record<string, Intent> = {
  '01-plain-text': { sender: 'maria.silva@example.com.br', subject: 'Cannot log in to my account', text: ['"invalid session"'], fold: { style: 'none' } },
  '02-multipart-alternative': {
    sender: 'carlos.mendes@example.com',
    subject: 'Fatura duplicada – pedido 8812',
    text: ['Olá,', 'R$ 1.250,00'],
    htmlHas: ['<b>duas faturas</b>', 'href="https://shop.example.com/orders/8812"', 'rel="noopener noreferrer nofollow"'],
    htmlLacks: ['<html', '<meta'],
    participants: ['support@ponte.test', 'finance@example.com'],
  },
  '03-html-only-hostile': {
    sender: 'offers@example.net',
    text: ['Verify your account', 'here [https://example.net/verify]', 'Plan\tPremium'],
    textLacks: ['[cid:', 'javascript:'],
    htmlHas: ['<h1 style="color:#cc0000">', 'src="https://example.net/logo.png"', 'src="cid:banner@example.net"', '<td style="background-color:#eeeeee">'],
    htmlLacks: ['<script', 'document.cookie', '<style', 'onload', 'onclick', 'onerror', 'onmouseover', 'javascript:', 'http://tracker', '<form', '<input', '<iframe', '<svg', 'position', '<title'],
  },
  '04-latin1-pt-qp': {
    sender: 'joao.goncalves@example.com.br',
    subject: 'Situação do pedido nº 3390',
    text: ['situação do meu pedido nº 3390', 'Já faz três semanas e não recebi nenhuma informação.', 'João Gonçalves'],
  },
  '05-latin1-pt-8bit': { sender: 'antonio.araujo@example.com.br', subject: 'Declaração assinada', text: ['declaração assinada', 'até sexta-feira', 'Antônio Araújo'] },
  '06-windows1252-es': {
    sender: 'inigo.munoz@example.es',
    subject: 'Devolución de 49,90 € – pedido ES-2291',
    text: ['Buenos días:', '¿Podrían devolverme el importe de 49,90 € del pedido “ES-2291”?', 'llegó dañado', '¡Gracias!', 'Iñigo Muñoz'],
    htmlHas: ['49,90 €', '“ES-2291”'],
    htmlLacks: ['MsoNormal', '<style'],
  },
  '07-utf8-base64': { sender: 'joana.conceicao@example.com.br', subject: '📦 Peça quebrada no pedido 4471', text: ['pedido nº 4471', 'Joana Conceição'] },
  '08-inline-image-cid': {
    sender: 'paula.rocha@example.com',
    htmlHas: ['src="cid:image001.png@01DB65A1.2C3D4E50"'],
    attachments: [
      { name: 'image001.png', mime: 'image/png', inline: true, cid: 'image001.png@01DB65A1.2C3D4E50' },
      { name: 'invoice-2025-0113.pdf', mime: 'application/pdf', inline: false },
    ],
  },
  '09-attachment-rfc2231': {
    sender: 'lucas.pereira@example.com.br',
    attachments: [
      { name: 'relação técnica – março 2025.pdf' },
      { name: 'orçamento_revisão_final_versão_assinada_pelo_cliente.pdf' },
      { name: 'recibo nº 12.txt', mime: 'text/plain' },
    ],
  },
  '10-attachment-rfc2047': {
    sender: 'sofia.ramos@example.com',
    attachments: [
      { name: 'Contrato de prestação de serviços nº 77.docx' },
      { name: 'Captura de pantalla 2025-01-14 a las 9.15.png', inline: false },
      { name: 'observações.txt' },
    ],
  },
  '11-outlook-reply-en': {
    sender: 'peter.novak@example.com',
    conversationId: '<CAHx9v1rootmsg@mail.example.com>',
    inReplyTo: OURS('65f1c2a9e4b0a1d2c3e4f5a6'),
    fold: { style: 'outlook-header', newText: 'Thanks, that fixed it.\n\nRegards,\nPeter Novak\nIT Manager | Example Corp' },
  },
  '12-outlook-reply-pt': {
    sender: 'fernanda.lima@example.com.br',
    text: ['Troca de endereço de entrega'],
    fold: { style: 'outlook-header', newText: 'Perfeito, pode ser entregue na portaria.\n\nFernanda Lima\nCoordenadora Administrativa' },
  },
  '13-outlook-reply-es': {
    sender: 'marta.garcia@example.es',
    text: ['¿La próxima llegará'],
    fold: { style: 'outlook-separator', newText: 'Hola,\n\nRecibida la factura, muchas gracias. ¿La próxima llegará ya con el NIF correcto?\n\nUn saludo,\nMarta' },
  },
  '14-gmail-reply-en': {
    sender: 'daniel.okafor@example.com',
    conversationId: '<CAKx7zq1root.refund@mail.gmail.com>',
    htmlHas: ['class="gmail_quote"'],
    fold: { style: 'attribution', newText: 'Great, thank you! The refund shows up now.' },
  },
  '15-gmail-reply-pt': { sender: 'renata.souza@example.com.br', fold: { style: 'attribution', newText: 'Bom dia! Consegui entrar, obrigada.' } },
  '16-gmail-reply-es': { sender: 'pablo.ruiz@example.es', fold: { style: 'attribution', newText: 'Vale, entonces me quedo con la tarifa básica.' } },
  '17-apple-mail-reply': { sender: 'tom.becker@example.com', htmlHas: ['<blockquote type="cite">'], fold: { style: 'attribution', newText: 'Printed it, thanks a lot!\n\nTom' } },
  '18-thunderbird-reply': {
    sender: 'klaus.weber@example.de',
    // format=flowed soft breaks are joined
    text: ['Is there a way to raise it for our batch jobs at night?'],
    fold: { style: 'attribution' },
  },
  '19-calendar-invite': {
    sender: 'beatriz.costa@example.com.br',
    subject: 'Convite: Reunião de implantação @ qui 30 de jan de 2025 10:00 - 11:00 (BRT)',
    attachments: [
      { name: 'invite (2).ics', mime: 'text/calendar' },
      { name: 'invite.ics', mime: 'application/ics' },
    ],
  },
  '20-dsn-postfix': {
    sender: 'mailer-daemon@mx.ponte.test',
    automated: 'report:delivery-status',
    failed: { original: OURS('65f1c2a9e4b0a1d2c3e4f5ae'), reason: 'Delivery to lost.customer@example.org failed (5.1.1): 550 5.1.1' },
    conversationId: '<CAL0st.customer.first@mail.example.org>',
    inReplyTo: OURS('65f1c2a9e4b0a1d2c3e4f5ae'),
    attachments: [{ name: 'attached-message.eml', mime: 'message/rfc822' }],
  },
  '21-dsn-exchange-headers': {
    sender: 'postmaster@outlook.example',
    automated: 'report:delivery-status',
    failed: { original: OURS('65f1c2a9e4b0a1d2c3e4f5af'), reason: '(5.4.1): 550 5.4.1 Recipient address rejected: Access denied.' },
  },
  '22-dsn-delayed': { sender: 'mailer-daemon@mx.ponte.test', automated: 'report:delivery-status', inReplyTo: OURS('65f1c2a9e4b0a1d2c3e4f5b0') },
  '23-bounce-qmail-plain': {
    sender: 'mailer-daemon@mail.example.org',
    automated: 'sender:mailer-daemon',
    failed: { original: OURS('65f1c2a9e4b0a1d2c3e4f5b1'), reason: 'Delivery to gone@example.org failed (5.1.1)' },
  },
  '24-out-of-office-en': { sender: 'rachel.kim@example.com', automated: 'auto-submitted:auto-replied' },
  '25-out-of-office-exchange-pt': {
    sender: 'ricardo.alves@example.com.br',
    automated: 'auto-submitted:auto-generated',
    subject: 'Resposta automática: Re: Renovação do contrato [#1244]',
    text: ['Estou em férias até 17/02'],
  },
  '26-mailing-list': { sender: 'hugo.martins@example.net', automated: 'precedence:list', participants: ['dev-users@lists.example.org'] },
  '27-newsletter-bulk': { sender: 'news@example-shop.com', automated: 'precedence:bulk', subject: '🎉 Ofertas da semana' },
  '28-no-message-id': { sender: 'printer@office.example.com', noMessageId: true, attachments: [{ name: 'SCAN_0001.pdf' }] },
  '29-forwarded-inline': {
    sender: 'stranger@example.net',
    subject: 'Fwd: Re: Invoice question [#999]',
    conversationId: '<CAfwd.inline.29@mail.gmail.com>',
    // a forward is content, never folded away
    fold: { style: 'none' },
  },
  '30-forwarded-as-attachment': { sender: 'helena.prado@example.com.br', attachments: [{ name: 'Cobranca indevida.eml', mime: 'message/rfc822' }] },
  '31-read-receipt-mdn': { sender: 'gustavo.nunes@example.com.br', automated: 'report:disposition-notification' },
  '32-webform-reply-to': { sender: 'carla.dias@example.com.br', text: ['A entrega está atrasada'] },
  '33-x-loop-own': { sender: 'lina@example.org', automated: 'x-loop', dropped: 'x-loop' },
  '34-iso2022jp': { sender: 'taro.tanaka@example.jp', subject: '請求書の再発行について', text: ['請求書の再発行をお願いします。'] },
  '35-long-references': {
    sender: 'nina.berg@example.se',
    conversationId: '<root-35@example.se>',
    inReplyTo: OURS('65f1c2a9e4b0a1d2c3e4f5b5'),
    fold: { style: 'quote-marker', newText: 'Thanks, the transfer went through.\n\nNina' },
  },
  '36-group-and-cc': {
    sender: 'andre.moreau@example.fr',
    participants: ['support@ponte.test', 'lea.petit@example.fr', 'marc.dupont@example.fr', 'compta@example.fr'],
  },
  '37-iphone-reply-pt': { sender: 'vitor.hugo@example.com.br', fold: { style: 'attribution', newText: 'Pode ser na quarta às 14h.\n\nEnviado do meu iPhone' } },
  '38-old-vacation-autorespond': { sender: 'h.schulz@example.de', automated: 'x-autorespond' },
  // Exchange out-of-office without Auto-Submitted, no In-Reply-To: must never get an auto-acknowledgement.
  '39-exchange-ooo-precedence-pt': {
    sender: 'fernanda.lima@cliente.example.com.br',
    automated: 'precedence:auto_reply',
    subject: 'Resposta automática: Pedido 4471 - nota fiscal',
    text: ['Estou fora do escritório até 10/02'],
  },
  '40-ooo-subject-only-es': { sender: 'pablo.ruiz@tienda.example.es', automated: 'subject:auto-reply', text: ['estoy de vacaciones'] },
  '41-own-mail-forwarded-back': { sender: 'support@ponte.test', dropped: 'from-own-address' },
  '42-reply-to-shared-mailbox': {
    sender: 'marcos.teixeira@construtora.example.com.br',
    replyTo: 'compras@construtora.example.com.br',
    text: ['40 licenças anuais'],
  },
  '43-html-only-table-remote-images': {
    sender: 'pedidos@loja.example.com',
    text: ['Produto\tQtd\tPreço', 'Plano\t1\tR$ 99,00', 'Premium\t2\tR$ 149,00', 'Olá Ana,\nsegue o resumo'],
    textLacks: ['PlanoPremium', '[https://', '  '],
    htmlHas: ['data-remote-src="https://cdn.loja.example.com/logo.png"', 'data-remote-src="https://track.loja.example.com/open/9031.gif"'],
    htmlLacks: [' src="https://'],
  },
  '44-outlook-inline-image-placeholder': {
    sender: 'paulo.reis@example.com.br',
    text: ['Ao pagar aparece este erro:\n\nObrigado,\nPaulo'],
    textLacks: ['[cid:', '  '],
    htmlHas: ['src="cid:image001.png@01DB7D1E.5A6B7C80"'],
    attachments: [
      { name: 'image001.png', mime: 'image/png', inline: true, cid: 'image001.png@01DB7D1E.5A6B7C80' },
      { name: 'image002.png', mime: 'image/png', inline: true, cid: 'image002.png@01DB7D1E.5A6B7C80' },
    ],
  },
  '45-calendar-invite-duplicate-part': {
    sender: 'lucia.freitas@example.com.br',
    text: ['Treinamento do painel'],
    attachments: [{ name: 'invite.ics', mime: 'text/calendar' }],
  },
  // A non-standard bounce from postmaster (Exchange 2003 style: no delivery-status part, the original attached).
  '47-ndr-postmaster-exchange': {
    sender: 'postmaster@cliente.example.com',
    automated: 'sender:postmaster',
    failed: { original: OURS('65f1c2a9e4b0a1d2c3e4f5b7'), reason: '5.1.1' },
    conversationId: '<CAfern.4471.first@cliente.example.com.br>',
    inReplyTo: OURS('65f1c2a9e4b0a1d2c3e4f5b7'),
  },
  // Outlook rich text: the real files come out of winmail.dat (built with test/channels/email/tnef-builder.ts).
  '46-outlook-winmail-dat': {
    sender: 'rodrigo.campos@industria.example.com.br',
    text: ['Segue o orçamento revisado'],
    attachments: [
      { name: 'winmail.dat', mime: 'application/ms-tnef', inline: false },
      { name: 'Orçamento revisado 2025.pdf', mime: 'application/pdf', inline: false },
      { name: 'foto do defeito.png', mime: 'image/png', inline: false },
    ],
  },
};

const names = fixtureNames();
const update = process.env.UPDATE_EMAIL_FIXTURES === '1';

describe('email fixtures', () => {
  it('has at least 25 fixtures, each with an expected result and an intent', () => {
    expect(names.length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(intents).sort()).toEqual(names);
  });

  describe.each(names)('%s', (name) => {
    it('maps to its expected normalised events', async () => {
      const { normalised } = await fixtureEvents(name);
      const file = path.join(FIXTURE_DIR, `${name}.expected.json`);
      if (update) writeFileSync(file, `${JSON.stringify(normalised, null, 2)}\n`);
      expect(normalised).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });

    it('matches what a person expects of it', async () => {
      const intent = intents[name] as Intent;
      const { events, verdict, ownMail, event } = await rawEmailToEvents(readFixture(name), {
        inboxId: FIXTURE_INBOX,
        loopValues: [FIXTURE_LOOP],
        ownAddresses: [FIXTURE_LOOP],
        now: () => FIXTURE_NOW,
      });
      expect(ownMail).toBe(intent.dropped);
      if (intent.dropped) {
        expect(events).toEqual([]);
        expect(event.sender.handle).toBe(intent.sender);
        return;
      }
      for (const e of events) expect(InboundEventSchema.safeParse(e).success).toBe(true);
      const received = events[0] as MessageReceived;
      for (const t of intent.textLacks ?? []) expect(received.text).not.toContain(t);
      expect(received.sender.replyTo).toBe(intent.replyTo);
      expect(received.type).toBe('message.received');
      expect(received.sender.handle).toBe(intent.sender);
      expect(received.sender.identityKeys).toEqual([`email:${intent.sender}`]);
      expect(received.automated).toBe(!!intent.automated);
      expect(verdict.reason).toBe(intent.automated);
      if (intent.subject) expect(received.threading.subject).toBe(intent.subject);
      if (intent.conversationId) expect(received.threading.conversationId).toBe(intent.conversationId);
      if (intent.inReplyTo) expect(received.threading.inReplyTo?.startsWith(intent.inReplyTo)).toBe(true);
      const wholeText = received.quotedText ? `${received.text}\n${received.quotedText}` : received.text;
      for (const t of intent.text ?? []) expect(wholeText).toContain(t);
      for (const h of intent.htmlHas ?? []) expect(received.html).toContain(h);
      for (const h of intent.htmlLacks ?? []) expect(received.html ?? '').not.toContain(h);
      if (intent.participants) expect(received.threading.participants).toEqual(intent.participants);
      if (intent.attachments) {
        expect(received.attachments.map((a) => a.fileName)).toEqual(intent.attachments.map((a) => a.name));
        intent.attachments.forEach((want, i) => {
          const got = received.attachments[i];
          if (want.mime) expect(got?.mimeType).toBe(want.mime);
          if (want.inline !== undefined) expect(got?.inline).toBe(want.inline);
          if (want.cid) expect(got?.contentId).toBe(want.cid);
          expect(Buffer.from(got?.contentBase64 ?? '', 'base64').length).toBe(got?.size);
        });
      }
      if (intent.noMessageId) {
        expect(received.providerKey).toMatch(new RegExp(`^mail:${FIXTURE_INBOX}:sha256:[0-9a-f]{64}$`));
        expect(received.threading.messageId).toBeUndefined();
        expect(received.occurredAt).toEqual(FIXTURE_NOW);
      } else {
        expect(received.providerKey).toBe(`mail:${FIXTURE_INBOX}:${received.threading.messageId?.slice(1, -1)}`);
        expect(received.providerMessageId).toBe(received.threading.messageId);
      }
      const status = events.find((e) => e.type === 'message.status');
      if (intent.failed) {
        expect(status).toMatchObject({ type: 'message.status', status: 'failed' });
        if (status?.type === 'message.status') {
          expect(status.providerMessageId.startsWith(intent.failed.original)).toBe(true);
          expect(status.reason).toContain(intent.failed.reason);
          expect(status.providerKey).not.toBe(received.providerKey);
        }
      } else {
        expect(status).toBeUndefined();
      }
      if (intent.fold) {
        // The event carries the new part as `text` and the folded history as `quotedText`.
        const folded = foldQuotedText(wholeText);
        expect(folded.style).toBe(intent.fold.style);
        if (intent.fold.style === 'none') expect(received.quotedText).toBeUndefined();
        else expect(received.quotedText?.trim()).toBeTruthy();
        if (intent.fold.newText !== undefined) expect(received.text).toBe(intent.fold.newText);
      }
    });
  });
});

describe('mapRawEmail', () => {
  it('is deterministic and keyed by Message-ID, so a re-read mail is a duplicate', async () => {
    const raw = readFixture('14-gmail-reply-en');
    const a = await mapRawEmail(raw, { inboxId: 'i1' });
    const b = await mapRawEmail(Buffer.from(raw), { inboxId: 'i1', rawRef: 'blob-2' });
    expect(a.providerKey).toBe(b.providerKey);
    expect(b.rawRef).toBe('blob-2');
    expect(a.providerKey).toBe('mail:i1:CAKx7zq3reply.gmail.en@mail.gmail.com');
  });

  it('keys a mail without Message-ID by the SHA-256 of its bytes', async () => {
    const raw = readFixture('28-no-message-id');
    const a = await mapRawEmail(raw, { inboxId: 'i1' });
    const b = await mapRawEmail(Buffer.concat([raw, Buffer.from('\n')]), { inboxId: 'i1' });
    expect(a.providerKey).not.toBe(b.providerKey);
    expect(a.threading.conversationId).toBe(`<${a.providerKey.slice('mail:i1:'.length)}>`);
  });

  it('lists attachments past the embedding budget without their bytes', async () => {
    const e = await mapRawEmail(readFixture('08-inline-image-cid'), { inboxId: 'i1', maxEmbeddedAttachmentBytes: 60 });
    expect(e.attachments.map((a) => [a.fileName, a.contentBase64 !== undefined])).toEqual([
      ['image001.png', false],
      ['invoice-2025-0113.pdf', true],
    ]);
    expect(e.attachments[0]?.size).toBe(70);
  });

  it('maps two attachments with the same very long name (this hung the process in an endless loop)', async () => {
    const long = `${'r'.repeat(300)}.pdf`;
    const part = (body: string) =>
      ['--b', 'Content-Type: application/pdf', `Content-Disposition: attachment; filename="${long}"`, 'Content-Transfer-Encoding: base64', '', Buffer.from(body).toString('base64')].join('\r\n');
    const raw = Buffer.from(
      ['From: a@example.com', 'To: help@example.com', 'Subject: twice', 'Message-ID: <long-names@example.com>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', part('one'), part('two'), '--b--', ''].join('\r\n'),
    );
    const e = await mapRawEmail(raw, { inboxId: 'i1' });
    const names = e.attachments.map((a) => a.fileName);
    expect(names).toEqual([`${'r'.repeat(251)}.pdf`, `${'r'.repeat(247)} (2).pdf`]);
  });

  it('takes the author from Reply-To only when From is a no-reply address', async () => {
    const raw = Buffer.from(
      'From: Ana <ana@example.com>\r\nReply-To: other@example.com\r\nTo: s@ponte.test\r\nMessage-ID: <x1@example.com>\r\nSubject: hi\r\n\r\nhello\r\n',
    );
    expect((await mapRawEmail(raw, { inboxId: 'i1' })).sender.handle).toBe('ana@example.com');
  });

  it('writes an internationalized domain in ASCII, so the customer can be answered', async () => {
    const raw = Buffer.from('From: Ana <Ana@Açaí.com.br>\r\nMessage-ID: <idn@example.com>\r\nSubject: s\r\n\r\nhello\r\n');
    const e = await mapRawEmail(raw, { inboxId: 'i1' });
    expect(e.sender).toMatchObject({ handle: 'ana@xn--aa-4iaz.com.br', email: 'ana@xn--aa-4iaz.com.br', identityKeys: ['email:ana@xn--aa-4iaz.com.br'] });
  });

  it('never sends answers to a no-reply Reply-To of a person', async () => {
    const raw = Buffer.from(
      'From: Ana <ana@example.com>\r\nReply-To: no-reply@crm.example.com\r\nTo: s@ponte.test\r\nMessage-ID: <x2@example.com>\r\nSubject: hi\r\n\r\nhello\r\n',
    );
    const e = await mapRawEmail(raw, { inboxId: 'i1' });
    expect(e.sender).toMatchObject({ handle: 'ana@example.com', email: 'ana@example.com' });
    expect(e.sender.replyTo).toBeUndefined();
  });

  it('keeps at most 100 References: the root and the newest', async () => {
    const refs = Array.from({ length: 150 }, (_, i) => `<r${i}@x.example>`).join('\r\n ');
    const raw = Buffer.from(`From: a@example.com\r\nMessage-ID: <m@x.example>\r\nReferences: ${refs}\r\nSubject: s\r\n\r\nbody\r\n`);
    const e = await mapRawEmail(raw, { inboxId: 'i1' });
    expect(e.threading.references).toHaveLength(100);
    expect(e.threading.references?.[0]).toBe('<r0@x.example>');
    expect(e.threading.references?.at(-1)).toBe('<r149@x.example>');
    expect(e.threading.conversationId).toBe('<r0@x.example>');
    expect(InboundEventSchema.safeParse(e).success).toBe(true);
  });

  it('ignores absurd Message-IDs and clamps a Date far in the future', async () => {
    const huge = `<${'x'.repeat(1200)}@x.example>`;
    const raw = Buffer.from(`From: a@example.com\r\nMessage-ID: ${huge}\r\nIn-Reply-To: <ok@x.example>\r\nReferences: ${huge} <ok@x.example>\r\nDate: Fri, 1 Jan 2100 00:00:00 +0000\r\nSubject: s\r\n\r\nb\r\n`);
    const e = await mapRawEmail(raw, { inboxId: 'i1', now: () => FIXTURE_NOW });
    expect(e.threading.messageId).toBeUndefined();
    expect(e.providerKey).toMatch(/^mail:i1:sha256:/);
    expect(e.threading.references).toEqual(['<ok@x.example>']);
    expect(e.occurredAt).toEqual(FIXTURE_NOW);
    expect(InboundEventSchema.safeParse(e).success).toBe(true);
  });

  // A Japanese newsletter's table: mailparser's own HTML-to-text is superlinear in cells without spaces
  // (9 s for 16,000 such cells, over a minute for 1 MB), all of it a blocked event loop.
  const bigTable = (cells: number) => `<table><tr>${Array.from({ length: cells }, (_, i) => `<td>請求書${i}</td>`).join('')}</tr></table>`;

  it('reads a huge HTML-only table in linear time, cells apart', async () => {
    const raw = Buffer.from(`From: a@example.com\r\nMessage-ID: <t@x.example>\r\nSubject: s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${bigTable(20_000)}\r\n`);
    const started = Date.now();
    const e = await mapRawEmail(raw, { inboxId: 'i1' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(e.text).toContain('請求書0\t請求書1\t請求書2');
    expect(e.text).toContain('請求書19999');
  }, 60_000);

  it('keeps the words of a long HTML part beside a text part (a list footer)', async () => {
    const raw = Buffer.from(
      'From: a@example.com\r\nMessage-ID: <t2@x.example>\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        `--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Order summary</p>${bigTable(5_000)}\r\n` +
        '--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nList footer: unsubscribe\r\n--b--\r\n',
    );
    const e = await mapRawEmail(raw, { inboxId: 'i1' });
    expect(e.text).toContain('Order summary');
    expect(e.text).toContain('請求書4999');
    expect(e.text).toContain('List footer: unsubscribe');
  }, 60_000);

  it('keeps a huge mail within what the database stores in one document (16 MB)', async () => {
    // 5.1 million CJK characters are 15 MB of UTF-8; a million control characters are 6 MB of JSON.
    const html = Buffer.from(`From: a@example.com\r\nMessage-ID: <cjk@x.example>\r\nSubject: s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>${'請'.repeat(5_100_000)}</p>\r\n`);
    const controls = Buffer.from(`From: a@example.com\r\nMessage-ID: <ctl@x.example>\r\nSubject: s\r\n\r\n${'\u0001'.repeat(1_100_000)}\r\n`);
    for (const raw of [html, controls]) {
      const e = await mapRawEmail(raw, { inboxId: 'i1' });
      expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThan(12 * 1024 * 1024);
      expect(InboundEventSchema.safeParse(e).success).toBe(true);
    }
  });

  it('reads the HTML body of a mail whose only text/plain part is an attachment', async () => {
    const raw = Buffer.from(
      'From: a@example.com\r\nMessage-ID: <ht@x.example>\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        '--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>The export fails, log attached.</p><table><tr><td>Job</td><td>42</td></tr></table>\r\n' +
        '--b\r\nContent-Type: text/plain; name="log.txt"\r\nContent-Disposition: attachment; filename="log.txt"\r\n\r\nERROR 42\r\n--b--\r\n',
    );
    const e = await mapRawEmail(raw, { inboxId: 'i1' });
    expect(e.text).toBe('The export fails, log attached.\n\nJob\t42');
    expect(e.attachments.map((a) => a.fileName)).toEqual(['log.txt']);
  });

  it('names unnamed parts with the extension of their type', async () => {
    const part = (type: string, body: string) => `--f\r\nContent-Type: ${type}\r\nContent-Disposition: attachment\r\n\r\n${body}\r\n`;
    const raw = Buffer.from(
      'From: a@example.com\r\nMessage-ID: <un@x.example>\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary="f"\r\n\r\n' +
        '--f\r\nContent-Type: text/plain\r\n\r\nbody\r\n' +
        part('image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>') +
        part('application/octet-stream', 'x') +
        '--f--\r\n',
    );
    const e = await mapRawEmail(raw, { inboxId: 'i1' });
    expect(e.attachments.map((a) => a.fileName)).toEqual(['attachment-1.svg', 'attachment-2.bin']);
  });

  it('survives a mail with no From at all', async () => {
    const e = await mapRawEmail(Buffer.from('Subject: orphan\r\n\r\nno headers to speak of\r\n'), { inboxId: 'i1', now: () => FIXTURE_NOW });
    expect(e.sender.handle).toBe('unknown-sender');
    expect(e.sender.identityKeys).toEqual(['mail-from:i1:-']);
    expect(InboundEventSchema.safeParse(e).success).toBe(true);
  });
});
