import { describe, expect, it } from 'vitest';
import { buildOutboundSubject, stripReplyPrefixes } from '../../../src/channels/email/outbound-subject.js';

describe('buildOutboundSubject', () => {
  it.each([
    ['Printer broken', 'Re: Printer broken [#1234]'],
    ['Re: Printer broken', 'Re: Printer broken [#1234]'],
    ['RE: Re: re:Printer broken', 'Re: Printer broken [#1234]'],
    ['Res: RES: Impressora quebrada', 'Re: Impressora quebrada [#1234]'],
    ['AW: SV: Drucker', 'Re: Drucker [#1234]'],
    ['Re[2]: Printer broken', 'Re: Printer broken [#1234]'],
    ['Re: Printer broken [#1234]', 'Re: Printer broken [#1234]'],
    ['Re: [#1234] Printer broken', 'Re: Printer broken [#1234]'],
    ['Re: Printer broken [#1234] [#1234]', 'Re: Printer broken [#1234]'],
    ['Fwd: Printer broken', 'Re: Fwd: Printer broken [#1234]'],
    ['RV: Impresora rota', 'Re: RV: Impresora rota [#1234]'],
    ['Regarding the invoice', 'Re: Regarding the invoice [#1234]'],
    ['Re:', 'Re: [#1234]'],
    ['', 'Re: [#1234]'],
    ['  Multi\r\n line\tsubject ', 'Re: Multi line subject [#1234]'],
  ])('reply to %j → %j', (subject, expected) => {
    expect(buildOutboundSubject(subject, 1234, { reply: true })).toBe(expected);
  });

  it('a first message (not a reply) gets the token but no Re:', () => {
    expect(buildOutboundSubject('Your order', 77, { reply: false })).toBe('Your order [#77]');
    expect(buildOutboundSubject(undefined, 77, { reply: false })).toBe('[#77]');
  });

  it('replaces a stale token of another ticket with ours', () => {
    expect(buildOutboundSubject('Re: Printer broken [#99]', 1234, { reply: true })).toBe('Re: Printer broken [#1234]');
  });

  it.each([
    ['回复: Re: 发票问题 [#1234]', 'Re: 发票问题 [#1234]'],
    ['答复：Re: 发票问题 [#1234]', 'Re: 发票问题 [#1234]'],
    ['R: Re: Fattura [#1234]', 'Re: Fattura [#1234]'],
    ['YNT: Re: Fatura [#1234]', 'Re: Fatura [#1234]'],
    ['Vá: Re: Számla [#1234]', 'Re: Számla [#1234]'],
    ['Ответ: Re: Счёт [#1234]', 'Re: Счёт [#1234]'],
  ])('a localized reply prefix does not pile up over round trips: %j', (subject, expected) => {
    expect(buildOutboundSubject(subject, 1234, { reply: true })).toBe(expected);
    expect(buildOutboundSubject(`${subject.split(':')[0]}: ${expected}`, 1234, { reply: true })).toBe(expected);
  });

  it('strips only reply prefixes', () => {
    expect(stripReplyPrefixes('Re: Fwd: Re: x')).toBe('Fwd: Re: x');
    expect(stripReplyPrefixes('Reunião')).toBe('Reunião');
    expect(stripReplyPrefixes('Resumo: vendas')).toBe('Resumo: vendas');
    expect(stripReplyPrefixes('R2: novo servidor')).toBe('R2: novo servidor');
    expect(stripReplyPrefixes('Rio: filial')).toBe('Rio: filial');
  });
});
