import { describe, expect, it } from 'vitest';
import { mapRawEmail } from '../../../src/channels/email/mapper.js';
import { declareUndeclaredCharsets } from '../../../src/channels/email/undeclared-charset.js';
import { FIXTURE_NOW, fixtureNames, readFixture } from './fixture-events.js';

/** Mail written in 8-bit Latin-1 without saying so (old PHP scripts, ERPs): read as windows-1252, not as U+FFFD. */

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const map = (raw: Buffer) => mapRawEmail(raw, { inboxId: 'i1', now: () => FIXTURE_NOW });

describe('undeclared 8-bit charsets', () => {
  it('reads headers and a body without any charset as windows-1252', async () => {
    const e = await map(latin1('From: João Araújo <joao@example.com.br>\r\nMessage-ID: <l1@x.example>\r\nSubject: Situação do pedido\r\n\r\nOlá, não recebi. \x93Atenção\x94!\r\n'));
    expect(e.sender.displayName).toBe('João Araújo');
    expect(e.threading.subject).toBe('Situação do pedido');
    expect(e.text).toBe('Olá, não recebi. \u201cAtenção\u201d!\n');
  });

  it('declares it on each text part that lacks one, quoted-printable and folded headers included', async () => {
    const raw = latin1(
      'From: a@example.com\r\nMessage-ID: <l2@x.example>\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        '--b\r\nContent-Type: multipart/alternative;\r\n\tboundary="b2"\r\n\r\n' +
        '--b2\r\nContent-Type: text/plain;\r\n\tformat=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nOl=E1, n=E3o recebi.\r\n' +
        '--b2\r\nContent-Type: text/html\r\n\r\n<p>Olá, não recebi.</p>\r\n--b2--\r\n' +
        '--b\r\n\r\nSem cabeçalho, só texto.\r\n' +
        '--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename="nota.txt"\r\n\r\nNota em UTF-8: ção\r\n--b--\r\n',
    );
    const e = await map(raw);
    expect(e.text).toContain('Olá, não recebi.');
    expect(e.html).toContain('<p>Olá, não recebi.</p>');
    expect(e.text).not.toContain('\ufffd');
    const fixed = declareUndeclaredCharsets(raw).toString('latin1');
    expect(fixed).toContain('Content-Type: text/plain;\r\n\tformat=flowed; charset=windows-1252\r\n');
    expect(fixed).toContain('--b\r\nContent-Type: text/plain; charset=windows-1252\r\n\r\nSem cabe');
  });

  it('takes an HTML part’s own <meta charset>', async () => {
    const raw = Buffer.concat([
      Buffer.from('From: a@example.com\r\nMessage-ID: <l3@x.example>\r\nSubject: s\r\nContent-Type: text/html\r\n\r\n<html><head><meta charset="iso-8859-7"></head><body><p>'),
      Buffer.from([0xe3, 0xe5, 0xe9, 0xe1]), // γεια
      Buffer.from('</p></body></html>\r\n'),
    ]);
    expect((await map(raw)).text).toBe('γεια');
  });

  it('keeps undeclared UTF-8 with one stray bad byte as UTF-8', async () => {
    const raw = Buffer.concat([
      Buffer.from('From: a@example.com\r\nMessage-ID: <l4@x.example>\r\nSubject: s\r\n\r\nOlá, não recebi a minha encomenda. Atenção, é urgente'),
      Buffer.from([0xe9]),
      Buffer.from('\r\n'),
    ]);
    expect((await map(raw)).text).toBe('Olá, não recebi a minha encomenda. Atenção, é urgente\ufffd\n');
  });

  it('leaves UTF-8 and declared mail byte for byte as it was', () => {
    const utf8 = Buffer.from('From: João <j@example.com>\r\nSubject: Situação\r\n\r\nOlá\r\n');
    expect(declareUndeclaredCharsets(utf8)).toBe(utf8);
    for (const name of fixtureNames()) {
      const raw = readFixture(name);
      expect(declareUndeclaredCharsets(raw), name).toBe(raw);
    }
  });
});
