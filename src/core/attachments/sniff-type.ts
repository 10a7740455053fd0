/**
 * The type of an uploaded file, read from its bytes — never the type the uploader declared (a browser takes
 * it from the extension, a script writes what it likes). Only the bytes decide whether a file is one of the
 * image types the console and the chat show inline, and markup (HTML, SVG, XML) is recorded as what it is,
 * whatever it is called, so that it is always served as a download (`attachment-headers.ts`). The file name's
 * extension only refines a container the bytes name (a zip that is a .docx, an OLE file that is a .xls) or a
 * plain text (.csv, .json); anything unrecognised is `application/octet-stream`.
 */

interface Signature {
  type: string;
  bytes: number[] | string;
  /** A short signature a text could start with ("MZ…", "ID3 tags"): only a binary file (a NUL in the head) matches. */
  binary?: true;
}

const SIGNATURES: Signature[] = [
  {
    type: 'image/png',
    bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', bytes: 'GIF87a' },
  { type: 'image/gif', bytes: 'GIF89a' },
  { type: 'image/tiff', bytes: [0x49, 0x49, 0x2a, 0x00] },
  { type: 'image/tiff', bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { type: 'application/pdf', bytes: '%PDF-' },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x05, 0x06] },
  { type: 'application/gzip', bytes: [0x1f, 0x8b] },
  {
    type: 'application/x-7z-compressed',
    bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c],
  },
  { type: 'application/vnd.rar', bytes: 'Rar!\x1a\x07' },
  {
    type: 'application/x-ole-storage',
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
  },
  { type: 'audio/ogg', bytes: 'OggS', binary: true },
  { type: 'audio/mpeg', bytes: 'ID3', binary: true },
  { type: 'audio/flac', bytes: 'fLaC', binary: true },
  { type: 'video/webm', bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  {
    type: 'application/vnd.microsoft.portable-executable',
    bytes: 'MZ',
    binary: true,
  },
  { type: 'application/x-executable', bytes: [0x7f, 0x45, 0x4c, 0x46] },
];

const startsWith = (b: Buffer, sig: Signature): boolean => {
  const want = typeof sig.bytes === 'string' ? Buffer.from(sig.bytes, 'latin1') : Buffer.from(sig.bytes);
  if (sig.binary && !b.includes(0)) return false;
  return b.length >= want.length && b.subarray(0, want.length).equals(want);
};

const ascii = (b: Buffer, from: number, to: number) => b.subarray(from, to).toString('latin1');

/** RIFF and ISO-BMFF containers: the brand says what is inside. */
function container(b: Buffer): string | undefined {
  if (ascii(b, 0, 4) === 'RIFF') {
    const kind = ascii(b, 8, 12);
    return kind === 'WEBP' ? 'image/webp' : kind === 'WAVE' ? 'audio/wav' : kind === 'AVI ' ? 'video/x-msvideo' : undefined;
  }
  if (ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (brand === 'heic' || brand === 'heix' || brand === 'mif1') return 'image/heic';
    if (brand === 'avif') return 'image/avif';
    if (brand === 'M4A ') return 'audio/mp4';
    if (brand === 'qt  ') return 'video/quicktime';
    return 'video/mp4';
  }
  // An MP3 without an ID3 tag starts with a frame sync.
  if (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0 && (b[1]! & 0x06) !== 0) return 'audio/mpeg';
  return undefined;
}

/** Containers whose extension names the document inside. */
const BY_EXTENSION: Record<string, Record<string, string>> = {
  'application/zip': {
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    odt: 'application/vnd.oasis.opendocument.text',
    ods: 'application/vnd.oasis.opendocument.spreadsheet',
    odp: 'application/vnd.oasis.opendocument.presentation',
    epub: 'application/epub+zip',
  },
  'application/x-ole-storage': {
    doc: 'application/msword',
    xls: 'application/vnd.ms-excel',
    ppt: 'application/vnd.ms-powerpoint',
    msg: 'application/vnd.ms-outlook',
  },
  'text/plain': {
    csv: 'text/csv',
    json: 'application/json',
    md: 'text/markdown',
    ics: 'text/calendar',
    vcf: 'text/vcard',
    eml: 'message/rfc822',
    log: 'text/plain',
  },
};

const extensionOf = (fileName: string): string => {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '';
};

/** How much of the file is looked at. */
const HEAD = 8192;

/** Markup is recognised wherever it starts in the head: a browser would render it as such. */
function markup(text: string): string | undefined {
  const head = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (/<svg[\s>]/.test(head)) return 'image/svg+xml';
  if (/^<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]|<script[\s>]|<iframe[\s>]|<meta[\s>]|<object[\s>]|<embed[\s>]/.test(head)) return 'text/html';
  if (head.startsWith('<?xml')) return 'application/xml';
  return undefined;
}

function text(head: Buffer): string | undefined {
  if (head.includes(0)) return undefined;
  // A UTF-8 sequence cut at the end of the head is not a reason to call the file binary.
  const cut = head.length === HEAD ? head.subarray(0, HEAD - 4) : head;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(cut);
  } catch {
    return undefined;
  }
}

/** The MIME type of `bytes` (see above); `fileName` only refines a container or plain text. */
export function sniffMimeType(bytes: Buffer, fileName: string): string {
  const head = bytes.subarray(0, HEAD);
  const ext = extensionOf(fileName);
  const found = SIGNATURES.find((s) => startsWith(head, s))?.type ?? container(head);
  if (found) return BY_EXTENSION[found]?.[ext] ?? found;
  const decoded = text(head);
  if (decoded === undefined) return 'application/octet-stream';
  return markup(decoded) ?? BY_EXTENSION['text/plain']![ext] ?? 'text/plain';
}
