/**
 * A minimal reader of TNEF (`winmail.dat`, application/ms-tnef: Outlook "rich text" mail), for the files inside
 * it: the attachment records only ([MS-OXTNEF] 2.1). Enough to show the customer's real attachments; the original
 * `winmail.dat` is kept beside them. Pure and defensive: a malformed stream yields what was read before the fault.
 *
 * Stream: signature 0x223E9F78, legacy key (u16), then attributes: level (u8: 1 message, 2 attachment),
 * id (u32: low word id, high word type), length (u32), data, checksum (u16, sum of the data bytes).
 * An attachment starts at attAttachRendData; attAttachTitle names it (often 8.3), attAttachData holds its bytes,
 * attAttachment holds its MAPI properties, where PR_ATTACH_LONG_FILENAME and PR_ATTACH_MIME_TAG live.
 */

export interface TnefFile {
  fileName: string;
  mimeType?: string;
  content: Buffer;
}

const SIGNATURE = 0x223e9f78;
const LEVEL_ATTACHMENT = 2;
const ATT_ATTACH_RENDDATA = 0x9002;
const ATT_ATTACH_TITLE = 0x8010;
const ATT_ATTACH_DATA = 0x800f;
const ATT_ATTACHMENT = 0x9005;
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;
const MAX_FILES = 100;

export function isTnef(content: Buffer): boolean {
  return content.length >= 6 && content.readUInt32LE(0) === SIGNATURE;
}

export function readTnefAttachments(stream: Buffer): TnefFile[] {
  if (!isTnef(stream)) return [];
  const files: Array<{ title?: string; longName?: string; mimeType?: string; content?: Buffer }> = [];
  let offset = 6;
  while (offset + 9 <= stream.length && files.length <= MAX_FILES) {
    const level = stream.readUInt8(offset);
    const id = stream.readUInt32LE(offset + 1) & 0xffff;
    const length = stream.readUInt32LE(offset + 5);
    const start = offset + 9;
    const end = start + length;
    if (end + 2 > stream.length) break; // truncated: keep what was complete
    const data = stream.subarray(start, end);
    offset = end + 2;
    if (level !== LEVEL_ATTACHMENT) continue;
    if (id === ATT_ATTACH_RENDDATA) files.push({});
    const current = files.at(-1);
    if (!current) continue;
    if (id === ATT_ATTACH_TITLE) current.title = zeroTerminated(data, 'latin1');
    else if (id === ATT_ATTACH_DATA) current.content = Buffer.from(data);
    else if (id === ATT_ATTACHMENT) Object.assign(current, readAttachmentProperties(data));
  }
  return files
    .filter((f) => f.content !== undefined)
    .map((f, i) => ({
      fileName: f.longName || f.title || `attachment-${i + 1}`,
      ...(f.mimeType ? { mimeType: f.mimeType } : {}),
      content: f.content!,
    }));
}

function zeroTerminated(data: Buffer, encoding: 'latin1' | 'utf16le'): string {
  const text = data.toString(encoding);
  const nul = text.indexOf('\0');
  return (nul >= 0 ? text.slice(0, nul) : text).trim();
}

const FIXED_SIZES: Record<number, number> = {
  0x0001: 4, // PT_NULL
  0x0002: 4, // PT_SHORT (padded)
  0x0003: 4, // PT_LONG
  0x0004: 4, // PT_FLOAT
  0x0005: 8, // PT_DOUBLE
  0x0006: 8, // PT_CURRENCY
  0x0007: 8, // PT_APPTIME
  0x000a: 4, // PT_ERROR
  0x000b: 4, // PT_BOOLEAN (padded)
  0x0014: 8, // PT_I8
  0x0040: 8, // PT_SYSTIME
  0x0048: 16, // PT_CLSID
};
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
const MV_FLAG = 0x1000;

const pad4 = (n: number) => (n + 3) & ~3;

/** The long file name and MIME type from an attAttachment's MAPI property list; stops quietly at anything odd. */
function readAttachmentProperties(data: Buffer): { longName?: string; mimeType?: string } {
  const found: { longName?: string; mimeType?: string } = {};
  if (data.length < 4) return found;
  const count = data.readUInt32LE(0);
  let p = 4;
  try {
    for (let i = 0; i < count && p + 4 <= data.length; i++) {
      const type = data.readUInt16LE(p);
      const id = data.readUInt16LE(p + 2);
      p += 4;
      if (id >= 0x8000) {
        // Named property: GUID, kind, then a number or a UTF-16 name.
        const kind = data.readUInt32LE(p + 16);
        p += 20;
        if (kind === 0) p += 4;
        else p += 4 + pad4(data.readUInt32LE(p));
      }
      const base = type & ~MV_FLAG;
      const multi = (type & MV_FLAG) !== 0;
      const variable = base === PT_STRING8 || base === PT_UNICODE || base === PT_BINARY || base === PT_OBJECT;
      const values = multi || variable ? data.readUInt32LE(p) : 1;
      if (multi || variable) p += 4;
      for (let v = 0; v < values; v++) {
        // A count is the sender's word (up to 2^32 − 1): never walk past the bytes that are there.
        if (p >= data.length) return found;
        if (variable) {
          const length = data.readUInt32LE(p);
          const value = data.subarray(p + 4, p + 4 + length);
          p += 4 + pad4(length);
          if (v === 0 && (base === PT_STRING8 || base === PT_UNICODE)) {
            const text = zeroTerminated(value, base === PT_UNICODE ? 'utf16le' : 'latin1');
            if (id === PR_ATTACH_LONG_FILENAME && text) found.longName = text;
            if (id === PR_ATTACH_MIME_TAG && text) found.mimeType = text.toLowerCase();
          }
        } else {
          const size = FIXED_SIZES[base];
          if (size === undefined) return found; // unknown type: its size is unknown, stop here
          p += size;
        }
      }
    }
  } catch {
    // RangeError on a truncated list: what was read stands.
  }
  return found;
}
