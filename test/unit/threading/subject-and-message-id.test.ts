import { describe, expect, it } from 'vitest';
import { createOutboundMessageId, ticketIdFromOurMessageId } from '../../../src/core/threading/message-id.js';
import { cleanTicketSubject, extractTicketNumber, normaliseSubject, withTicketToken } from '../../../src/core/threading/subject-token.js';

describe('subject tokens', () => {
  it.each([
    ['Re: Printer broken [#1234]', 1234],
    ['Fwd: [#12] Re: [#345] question', 345],
    ['no token here', undefined],
    ['[#] empty', undefined],
    ['#1234 without brackets', undefined],
  ])('%s → %s', (subject, expected) => expect(extractTicketNumber(subject)).toBe(expected));

  it('adds exactly one token', () => {
    expect(withTicketToken('Re: Printer [#12]', 12)).toBe('Re: Printer [#12]');
    expect(withTicketToken('Printer', 7)).toBe('Printer [#7]');
  });

  it('normalises reply prefixes in several languages', () => {
    expect(normaliseSubject('RE: Fwd: AW: RES: Enc: Pedido [#9]')).toBe('pedido');
  });
});

describe('our Message-IDs', () => {
  const secret = 'x'.repeat(40);
  const ticketId = '65a1b2c3d4e5f60718293a4b';

  it('round-trips the ticket id', () => {
    const id = createOutboundMessageId(secret, ticketId, 'help.example.com');
    expect(id).toMatch(/^<ponte\..+@help\.example\.com>$/);
    expect(ticketIdFromOurMessageId(secret, id)).toBe(ticketId);
    expect(ticketIdFromOurMessageId(secret, id.slice(1, -1))).toBe(ticketId);
  });

  it('is unguessable: two ids for one ticket differ', () => {
    expect(createOutboundMessageId(secret, ticketId, 'h')).not.toBe(createOutboundMessageId(secret, ticketId, 'h'));
  });

  it('rejects forged or foreign ids', () => {
    const id = createOutboundMessageId(secret, ticketId, 'h');
    const otherTicket = id.replace(ticketId, '65a1b2c3d4e5f60718293a4c');
    expect(ticketIdFromOurMessageId(secret, otherTicket)).toBeUndefined();
    expect(ticketIdFromOurMessageId('y'.repeat(40), id)).toBeUndefined();
    expect(ticketIdFromOurMessageId(secret, '<CAF=abc@mail.gmail.com>')).toBeUndefined();
  });
});

describe('cleanTicketSubject: a new ticket titled from a mail subject', () => {
  it.each([
    ['Re: Printer jam [#12]', 'Printer jam'],
    ['Re:  [#12]  Printer  jam', 'Printer jam'],
    ['RE: RES: Pedido 55 [#9]', 'Pedido 55'],
    ['Res: Orçamento', 'Orçamento'],
    ['RV: Factura de marzo', 'Factura de marzo'],
    ['Fwd: Fw: FW: Invoice', 'Invoice'],
    ['Enc: Nota fiscal', 'Nota fiscal'],
    ['TR: Devis', 'Devis'],
    ['AW: WG: Rechnung', 'Rechnung'],
    ['Re[2]: Status', 'Status'],
    ['[#1244] Re: Renovação do contrato', 'Renovação do contrato'],
    ['Treinamento: agenda', 'Treinamento: agenda'],
    ['Resumo do pedido', 'Resumo do pedido'],
    ['Re: [#5]', ''],
  ])('%s → %s', (subject, title) => {
    expect(cleanTicketSubject(subject)).toBe(title);
  });
});
