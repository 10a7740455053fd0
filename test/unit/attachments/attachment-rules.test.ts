import { describe, expect, it } from 'vitest';
import { checkAttachments, MAX_ATTACHMENTS_PER_MESSAGE } from '../../../src/core/attachments/attachment-limits.js';
import { attachmentHeaders } from '../../../src/core/attachments/attachment-headers.js';
import { sanitizeFileName, uniqueFileName } from '../../../src/core/attachments/file-name.js';
import { sniffMimeType } from '../../../src/core/attachments/sniff-type.js';
import { AppError } from '../../../src/core/errors/app-error.js';

const hex = (h: string, pad = 0) => Buffer.concat([Buffer.from(h, 'hex'), Buffer.alloc(pad)]);

describe('sniffMimeType: the bytes decide, the name only refines', () => {
  it.each([
    ['png bytes named .html', hex('89504e470d0a1a0a', 16), 'x.html', 'image/png'],
    ['jpeg', hex('ffd8ffe0', 16), 'a.jpg', 'image/jpeg'],
    ['gif', Buffer.from('GIF89a....'), 'a.gif', 'image/gif'],
    ['webp', Buffer.concat([Buffer.from('RIFF'), hex('00000000'), Buffer.from('WEBPVP8 ')]), 'a.webp', 'image/webp'],
    ['pdf', Buffer.from('%PDF-1.7\n'), 'doc', 'application/pdf'],
    ['zip', hex('504b0304', 30), 'a.zip', 'application/zip'],
    ['docx (a zip)', hex('504b0304', 30), 'Report.DOCX', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['xls (an OLE file)', hex('d0cf11e0a1b11ae1', 30), 'a.xls', 'application/vnd.ms-excel'],
    ['mp4', Buffer.concat([hex('00000018'), Buffer.from('ftypisom'), Buffer.alloc(8)]), 'v.mp4', 'video/mp4'],
    ['ogg voice note', Buffer.concat([Buffer.from('OggS'), Buffer.alloc(20)]), 'v.ogg', 'audio/ogg'],
    ['windows executable named .jpg', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(60)]), 'cat.jpg', 'application/vnd.microsoft.portable-executable'],
    ['text starting with MZ is text', Buffer.from('MZ is my initials'), 'note.txt', 'text/plain'],
    ['html named .png', Buffer.from('\n  <!DOCTYPE html><p>hi'), 'cat.png', 'text/html'],
    ['a script tag anywhere at the start', Buffer.from('<script>alert(1)</script>'), 'x.txt', 'text/html'],
    ['svg', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'), 'logo.png', 'image/svg+xml'],
    ['xml', Buffer.from('<?xml version="1.0"?><order/>'), 'o.xml', 'application/xml'],
    ['csv by extension', Buffer.from('a,b\n1,2\n'), 'data.csv', 'text/csv'],
    ['utf-8 text with a BOM', Buffer.from('\uFEFFolá, ação'), 'n.txt', 'text/plain'],
    ['unknown binary', hex('0001020304fffe'), 'x.dat', 'application/octet-stream'],
    ['latin-1 (not UTF-8) bytes are binary', Buffer.from([0x6f, 0x6c, 0xe1]), 'x.txt', 'application/octet-stream'],
  ])('%s', (_what, bytes, name, type) => {
    expect(sniffMimeType(bytes, name)).toBe(type);
  });
});

describe('file names', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\system32\\evil.exe', 'evil.exe'],
    ['<script>.html', '_script_.html'],
    ['a:b|c?d*e"f.txt', 'a_b_c_d_e_f.txt'],
    ['.htaccess', 'htaccess'],
    ['tab\tand\u0000nul.txt', 'tabandnul.txt'],
    ['Relatório ação.pdf', 'Relatório ação.pdf'],
    ['../', ''],
    // Right-to-left override: "invoice\u202Efdp.exe" is shown as "invoiceexe.pdf" — an executable posing as a PDF.
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['a\u2066b\u2069c\u200F\u061C.txt', 'abc.txt'],
    ['a\u2066b\u2067c\u2068d\u2069\u202A\u202B\u202C\u202D\u200E\u200F\u061Ce.pdf', 'abcde.pdf'],
    // Arabic and Hebrew names themselves are kept: only the invisible direction controls go.
    ['فاتورة.pdf', 'فاتورة.pdf'],
  ])('%s → %s', (given, safe) => {
    expect(sanitizeFileName(given)).toBe(safe);
  });

  it('long names keep their extension; duplicates get a number', () => {
    const long = sanitizeFileName(`${'a'.repeat(300)}.pdf`);
    expect(long).toHaveLength(255);
    expect(long.endsWith('.pdf')).toBe(true);
    const used = new Set<string>();
    expect(['a.txt', 'A.txt', 'a.txt'].map((n) => uniqueFileName(n, used))).toEqual(['a.txt', 'A (2).txt', 'a (3).txt']);
  });

  it('two files with the same long name get distinct names (the numbering was cut off again: an endless loop)', () => {
    // A Set that gives up instead of letting a loop that never ends hang the test run.
    class Bounded extends Set<string> {
      private lookups = 0;
      override has(value: string): boolean {
        if (++this.lookups > 1_000) throw new Error('uniqueFileName does not terminate');
        return super.has(value);
      }
    }
    for (const name of [`${'a'.repeat(251)}.pdf`, 'b'.repeat(255), `${'😀'.repeat(125)}.pdf`, `x.${'y'.repeat(253)}`]) {
      const used = new Bounded();
      const names = [1, 2, 3].map(() => uniqueFileName(name, used));
      expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(3);
      for (const n of names) expect(n.length).toBeLessThanOrEqual(255);
      expect(names[1]).toMatch(/ \(2\)(\.pdf)?$/);
    }
  });

  it('a long name of emoji is not cut in the middle of a character', () => {
    // 300 emoji are 600 UTF-16 units: a cut at an odd unit left half a character, stored as U+FFFD.
    for (const name of [`${'😀'.repeat(300)}.txt`, `x${'😀'.repeat(300)}.txt`, '😀'.repeat(300)]) {
      const cut = sanitizeFileName(name);
      expect(cut.length).toBeLessThanOrEqual(255);
      // No lone surrogate (half an emoji).
      expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(() => encodeURIComponent(cut)).not.toThrow();
    }
  });
});

describe('limits and serving', () => {
  const limits = { maxAttachmentBytes: 10, maxMessageAttachmentsBytes: 15 };
  const codeOf = (fn: () => void) => {
    try {
      fn();
      return 'ok';
    } catch (err) {
      return (err as AppError).code;
    }
  };

  it('count, empty, per file and per message', () => {
    expect(codeOf(() => checkAttachments([{ fileName: 'a', size: 10 }], limits))).toBe('ok');
    expect(codeOf(() => checkAttachments([{ fileName: 'a', size: 11 }], limits))).toBe('ATTACHMENT_TOO_LARGE');
    expect(
      codeOf(() =>
        checkAttachments(
          [
            { fileName: 'a', size: 8 },
            { fileName: 'b', size: 8 },
          ],
          limits,
        ),
      ),
    ).toBe('ATTACHMENT_TOO_LARGE');
    expect(codeOf(() => checkAttachments([{ fileName: 'a', size: 0 }], limits))).toBe('VALIDATION_FAILED');
    const many = Array.from({ length: MAX_ATTACHMENTS_PER_MESSAGE + 1 }, () => ({ fileName: 'a', size: 0 }));
    expect(
      codeOf(() =>
        checkAttachments(many, {
          maxAttachmentBytes: 10,
          maxMessageAttachmentsBytes: 10_000,
        }),
      ),
    ).toBe('VALIDATION_FAILED');
  });

  it('only png/jpeg/gif/webp inline; markup downloads, sandboxed, never sniffed', () => {
    expect(attachmentHeaders({ fileName: 'a.png', mimeType: 'image/png' }, 3)['Content-Disposition']).toMatch(/^inline;/);
    for (const mimeType of ['text/html', 'image/svg+xml', 'application/xml', 'application/javascript']) {
      const h = attachmentHeaders({ fileName: 'x', mimeType }, 3);
      expect(h).toMatchObject({
        'Content-Type': mimeType,
        'X-Content-Type-Options': 'nosniff',
      });
      expect(h['Content-Disposition']).toMatch(/^attachment;/);
      expect(h['Content-Security-Policy']).toContain('sandbox');
    }
    expect(attachmentHeaders({ fileName: 'x', mimeType: 'text/html; charset=x' }, 3)['Content-Type']).toBe('application/octet-stream');
    expect(attachmentHeaders({ fileName: 'naïve "x".pdf', mimeType: 'application/pdf' }, 3)['Content-Disposition']).toBe(
      `attachment; filename="na_ve _x_.pdf"; filename*=UTF-8''na%C3%AFve%20%22x%22.pdf`,
    );
  });
});
