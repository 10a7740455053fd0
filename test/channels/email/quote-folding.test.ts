import { describe, expect, it } from 'vitest';
import { foldQuotedText } from '../../../src/channels/email/quote-folding.js';

const lines = (...l: string[]): string => l.join('\n');

describe('foldQuotedText', () => {
  it.each([
    [
      'Gmail EN',
      lines('Sounds good.', '', 'On Mon, Jan 6, 2025 at 10:00 AM Ana Souza <ana@example.com> wrote:', '> Can we meet?', '>'),
      'attribution',
      'Sounds good.',
    ],
    [
      'Gmail EN, attribution wrapped over two lines',
      lines('Yes.', '', 'On Mon, Jan 6, 2025 at 10:00 AM Ana Souza <', 'ana.souza@example.com> wrote:', '', '> Can we meet?'),
      'attribution',
      'Yes.',
    ],
    [
      'Gmail PT',
      lines('Pode ser amanhã.', '', 'Em seg., 6 de jan. de 2025 às 10:00, Ana Souza <ana@example.com> escreveu:', '', '> Podemos falar?'),
      'attribution',
      'Pode ser amanhã.',
    ],
    [
      'Gmail ES',
      lines('Perfecto.', '', 'El lun, 6 ene 2025 a las 10:00, Ana Souza (<ana@example.com>) escribió:', '> ¿Hablamos?'),
      'attribution',
      'Perfecto.',
    ],
    [
      'Gmail ES, wrapped before escribió',
      lines('Perfecto.', '', 'El lun, 6 ene 2025 a las 10:00, Ana Souza (<ana@example.com>)', 'escribió:', '> ¿Hablamos?'),
      'attribution',
      'Perfecto.',
    ],
    [
      'Apple Mail EN (quoted attribution)',
      lines('Thanks!', '', '> On 6 Jan 2025, at 10:00, Ana Souza <ana@example.com> wrote:', '> ', '> Hi'),
      'attribution',
      'Thanks!',
    ],
    [
      'Apple Mail PT',
      lines('Obrigado!', '', 'Em 6 de jan. de 2025, à(s) 10:00, Ana Souza <ana@example.com> escreveu:', '', '> Olá'),
      'attribution',
      'Obrigado!',
    ],
    [
      'Apple Mail ES',
      lines('¡Gracias!', '', 'El 6 ene 2025, a las 10:00, Ana Souza <ana@example.com> escribió:', '', '> Hola'),
      'attribution',
      '¡Gracias!',
    ],
    [
      'Thunderbird EN',
      lines('Done.', '', 'On 06/01/2025 10:00, Ana Souza wrote:', '> Please check.'),
      'attribution',
      'Done.',
    ],
    [
      'Thunderbird PT',
      lines('Feito.', '', 'Em 06/01/2025 10:00, Ana Souza escreveu:', '> Por favor verifique.'),
      'attribution',
      'Feito.',
    ],
    [
      'Outlook -----Original Message-----',
      lines('Approved.', '', '-----Original Message-----', 'From: Ana', 'Sent: Monday, January 6, 2025 10:00 AM', 'To: Bo', 'Subject: Budget', '', 'Please approve.'),
      'outlook-separator',
      'Approved.',
    ],
    [
      'Outlook -----Mensagem original-----',
      lines('Aprovado.', '-----Mensagem original-----', 'De: Ana', 'Enviada em: segunda-feira, 6 de janeiro de 2025 10:00', 'Para: Bo', 'Assunto: Orçamento'),
      'outlook-separator',
      'Aprovado.',
    ],
    [
      'Outlook -----Mensaje original-----',
      lines('Aprobado.', '', '-----Mensaje original-----', 'De: Ana', 'Enviado el: lunes, 6 de enero de 2025 10:00', 'Para: Bo', 'Asunto: Presupuesto'),
      'outlook-separator',
      'Aprobado.',
    ],
    [
      'Outlook From:/Sent: block (EN)',
      lines('Fixed, thanks.', '', 'From: Ponte Support <support@ponte.test>', 'Sent: Thursday, January 16, 2025 10:02 AM', 'To: Peter', 'Subject: Re: VPN', '', 'Hi Peter'),
      'outlook-header',
      'Fixed, thanks.',
    ],
    [
      'Outlook De:/Enviado: block after a rule (PT)',
      lines('Certo.', '', '________________________________', 'De: Suporte <support@ponte.test>', 'Enviado: sexta-feira, 17 de janeiro de 2025 09:40', 'Para: Fernanda', 'Assunto: Re: Troca'),
      'outlook-header',
      'Certo.',
    ],
    [
      'Outlook De:/Enviado el: block (ES)',
      lines('Vale.', '', 'De: Soporte <soporte@ponte.test>', 'Enviado el: lunes, 20 de enero de 2025 10:12', 'Para: Marta', 'Asunto: Re: Factura'),
      'outlook-header',
      'Vale.',
    ],
    [
      'Outlook bold plain-text headers (*From:*)',
      lines('OK', '', '*From:* Ana <ana@example.com>', '*Sent:* Monday, January 6, 2025 10:00 AM', '*To:* Bo', '*Subject:* X'),
      'outlook-header',
      'OK',
    ],
    [
      'Outlook for Mac From:/Date:',
      lines('Great', '', 'From: Ana <ana@example.com>', 'Date: Monday, 6 January 2025 at 10:00', 'To: Bo', 'Subject: X'),
      'outlook-header',
      'Great',
    ],
    ['trailing > block without header', lines('Agreed.', '', '> we should ship friday', '> and test thursday'), 'quote-marker', 'Agreed.'],
    ['short "X wrote:" line before a > block', lines('Agreed.', '', 'Ana wrote:', '> we should ship friday'), 'quote-marker', 'Agreed.'],
  ])('%s', (_label, text, style, newText) => {
    const f = foldQuotedText(text);
    expect(f.style).toBe(style);
    expect(f.newText).toBe(newText);
    expect(f.fullText).toBe(text);
    expect(f.quotedText.length).toBeGreaterThan(0);
    expect(text.startsWith(f.newText)).toBe(true);
    expect(text.endsWith(f.quotedText)).toBe(true);
  });

  it('bottom posting: quote first, answer below', () => {
    const text = lines('On Mon, Jan 6, 2025 at 10:00 AM Ana <ana@example.com> wrote:', '> Can we meet?', '', 'Yes, at 3pm.');
    const f = foldQuotedText(text);
    expect(f).toMatchObject({ style: 'attribution', newText: 'Yes, at 3pm.' });
    expect(f.quotedText).toBe(lines('On Mon, Jan 6, 2025 at 10:00 AM Ana <ana@example.com> wrote:', '> Can we meet?'));
  });

  it('bottom posting without attribution', () => {
    expect(foldQuotedText(lines('> Can we meet?', '', 'Yes.'))).toMatchObject({ style: 'quote-marker', newText: 'Yes.', quotedText: '> Can we meet?' });
  });

  it.each([
    ['no quote at all', lines('Hello,', 'my printer is broken.')],
    ['interleaved answers stay whole', lines('> Which model?', 'HP 4000', '> Which OS?', 'Windows 11')],
    [
      'answers inline below an attribution stay whole',
      lines('See my answers below.', '', 'On Mon, 6 Jan 2025 at 10:00, Ana <ana@example.com> wrote:', '> Which model?', 'HP LaserJet 4000.', '> Since when?', 'Since Monday.', '>', '> Ana'),
    ],
    ['a forward is content', lines('FYI', '', '---------- Forwarded message ---------', 'From: Ana <ana@example.com>', 'Date: Mon, Jan 6, 2025 at 10:00 AM', 'Subject: X', 'To: <b@example.com>', '', 'body')],
    ['Apple forward', lines('See below', '', 'Begin forwarded message:', '', 'From: Ana <ana@example.com>', 'Subject: X', 'Date: 6 January 2025', 'To: Bo')],
    ['PT forward', lines('Veja', '', '---------- Mensagem encaminhada ---------', 'De: Ana <ana@example.com>', 'Date: seg., 6 de jan. de 2025', 'Subject: X', 'To: <b@example.com>')],
    ['only a quote, nothing new', lines('On Mon, Jan 6, 2025 at 10:00 AM Ana <ana@example.com> wrote:', '> Can we meet?')],
    ['"On Monday I wrote:" has no date digits', lines('Status', '', 'On Monday my colleague wrote:', 'the server is fine')],
    ['a lone From: line is not a header block', lines('From: the sales team we heard nothing.', 'Please call.')],
    ['empty', ''],
  ])('does not fold: %s', (_label, text) => {
    const f = foldQuotedText(text);
    expect(f).toEqual({ newText: text, quotedText: '', fullText: text, style: 'none' });
  });

  it('handles CRLF text', () => {
    const f = foldQuotedText('Yes.\r\n\r\nOn 06/01/2025 10:00, Ana wrote:\r\n> ok?\r\n');
    expect(f).toMatchObject({ style: 'attribution', newText: 'Yes.' });
  });
});
