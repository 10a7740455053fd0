/**
 * Writes TNEF streams the way Outlook/Exchange does ([MS-OXTNEF]): message attributes (version, code page,
 * message class), then per attachment attAttachRendData, attAttachTitle (8.3 name), attAttachModifyDate,
 * attAttachData and attAttachment (MAPI properties with the long file name, MIME tag and a named property).
 * Used to build the winmail.dat fixture and the decoder's tests.
 */

export interface TnefInput {
  fileName: string;
  shortName: string;
  mimeType?: string;
  content: Buffer;
}

function attribute(level: number, id: number, type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt8(level, 0);
  head.writeUInt32LE(((type << 16) | id) >>> 0, 1);
  head.writeUInt32LE(data.length, 5);
  const sum = Buffer.alloc(2);
  sum.writeUInt16LE(data.reduce((acc, b) => (acc + b) & 0xffff, 0), 0);
  return Buffer.concat([head, data, sum]);
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
};
const padded = (b: Buffer) => Buffer.concat([b, Buffer.alloc(((b.length + 3) & ~3) - b.length)]);
const cstr = (s: string, enc: 'latin1' | 'utf16le') => Buffer.from(`${s}\0`, enc);

/** PT_UNICODE / PT_STRING8 / PT_LONG / named PT_LONG property entries of an attAttachment list. */
function mapiProperties(input: TnefInput): Buffer {
  const props: Buffer[] = [];
  const tag = (type: number, id: number) => Buffer.from([type & 0xff, type >> 8, id & 0xff, id >> 8]);
  // PR_ATTACH_METHOD (PT_LONG) = ATTACH_BY_VALUE
  props.push(Buffer.concat([tag(0x0003, 0x3705), u32(1)]));
  // A named property (PS_PUBLIC_STRINGS GUID, kind 1 = string name) before the ones we read, as Outlook writes.
  const name = cstr('urn:schemas-microsoft-com:office:office#Keywords', 'utf16le');
  const guid = Buffer.from('2903020000000000c000000000000046', 'hex');
  props.push(Buffer.concat([tag(0x0003, 0x8005), guid, u32(1), u32(name.length), padded(name), u32(0)]));
  // PR_ATTACH_LONG_FILENAME (PT_UNICODE): count, length, bytes padded
  const long = cstr(input.fileName, 'utf16le');
  props.push(Buffer.concat([tag(0x001f, 0x3707), u32(1), u32(long.length), padded(long)]));
  if (input.mimeType) {
    const mime = cstr(input.mimeType, 'latin1');
    props.push(Buffer.concat([tag(0x001e, 0x370e), u32(1), u32(mime.length), padded(mime)]));
  }
  // PR_LAST_MODIFICATION_TIME (PT_SYSTIME)
  props.push(Buffer.concat([tag(0x0040, 0x3008), Buffer.from('00c0a3f1b57edb01', 'hex')]));
  return Buffer.concat([u32(props.length), ...props]);
}

export function buildTnef(files: TnefInput[]): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt32LE(0x223e9f78, 0);
  head.writeUInt16LE(0x0001, 4);
  const parts: Buffer[] = [head];
  parts.push(attribute(1, 0x9006, 0x0008, u32(0x00010000))); // attTnefVersion
  parts.push(attribute(1, 0x9007, 0x0006, Buffer.concat([u32(1252), u32(0)]))); // attOemCodepage
  parts.push(attribute(1, 0x8008, 0x0007, cstr('IPM.Microsoft Mail.Note', 'latin1'))); // attMessageClass
  for (const f of files) {
    parts.push(attribute(2, 0x9002, 0x0006, Buffer.alloc(14, 0))); // attAttachRendData
    parts.push(attribute(2, 0x8010, 0x0001, cstr(f.shortName, 'latin1'))); // attAttachTitle
    parts.push(attribute(2, 0x8013, 0x0003, Buffer.from('e9070200050009000e0001000300', 'hex'))); // attAttachModifyDate
    parts.push(attribute(2, 0x800f, 0x0006, f.content)); // attAttachData
    parts.push(attribute(2, 0x9005, 0x0006, mapiProperties(f))); // attAttachment
  }
  return Buffer.concat(parts);
}
