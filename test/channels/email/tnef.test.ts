import { describe, expect, it } from 'vitest';
import { isTnef, readTnefAttachments } from '../../../src/channels/email/tnef.js';
import { buildTnef } from './tnef-builder.js';

const pdf = Buffer.from('%PDF-1.4 tiny', 'latin1');
const sheet = Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5]);

describe('TNEF (winmail.dat) attachments', () => {
  it('reads each file with its long name, MIME tag and exact bytes', () => {
    const stream = buildTnef([
      { fileName: 'Orçamento revisado 2025.pdf', shortName: 'ORAMEN~1.PDF', mimeType: 'application/pdf', content: pdf },
      { fileName: 'planilha de custos.xlsx', shortName: 'PLANIL~1.XLS', content: sheet },
    ]);
    expect(isTnef(stream)).toBe(true);
    const files = readTnefAttachments(stream);
    expect(files.map((f) => [f.fileName, f.mimeType])).toEqual([
      ['Orçamento revisado 2025.pdf', 'application/pdf'],
      ['planilha de custos.xlsx', undefined],
    ]);
    expect(files[0]!.content.equals(pdf)).toBe(true);
    expect(files[1]!.content.equals(sheet)).toBe(true);
  });

  it('a property list claiming 4 billion values is read in the time its bytes take', () => {
    const attribute = (id: number, data: Buffer) => {
      const head = Buffer.alloc(9);
      head.writeUInt8(2, 0); // attachment level
      head.writeUInt32LE(id, 1);
      head.writeUInt32LE(data.length, 5);
      return Buffer.concat([head, data, Buffer.alloc(2)]);
    };
    const props = Buffer.alloc(16);
    props.writeUInt32LE(1, 0); // one property
    props.writeUInt16LE(0x1003, 4); // multi-valued PT_LONG
    props.writeUInt32LE(0xffffffff, 8); // "values"
    const signature = Buffer.alloc(6);
    signature.writeUInt32LE(0x223e9f78, 0);
    const stream = Buffer.concat([signature, attribute(0x9002, Buffer.alloc(14)), attribute(0x800f, pdf), attribute(0x9005, props)]);
    const started = Date.now();
    expect(readTnefAttachments(stream).map((f) => f.content.equals(pdf))).toEqual([true]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a truncated stream keeps the files whose bytes were complete (named by their title when the long name is cut)', () => {
    const stream = buildTnef([
      { fileName: 'a.pdf', shortName: 'A.PDF', content: pdf },
      { fileName: 'b.xlsx', shortName: 'B.XLS', content: sheet },
    ]);
    expect(readTnefAttachments(stream.subarray(0, stream.length - 40)).map((f) => f.fileName)).toEqual(['a.pdf', 'B.XLS']);
    const inSecondFile = stream.indexOf(sheet) + 3;
    expect(readTnefAttachments(stream.subarray(0, inSecondFile)).map((f) => f.fileName)).toEqual(['a.pdf']);
    expect(readTnefAttachments(Buffer.from('not a tnef stream'))).toEqual([]);
    expect(isTnef(Buffer.alloc(3))).toBe(false);
  });
});
