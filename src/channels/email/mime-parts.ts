import { headerLookupFromBlock, type HeaderLookup } from './headers.js';

/**
 * A minimal MIME tree walker for the parts mailparser folds into the body text
 * (`message/delivery-status`) or hides behind attachment objects. Only used for
 * reports; mailparser remains the parser for everything shown to people.
 */
export interface MimePart {
  headers: HeaderLookup;
  /** Lower-cased media type, `text/plain` when absent. */
  contentType: string;
  /** Parameters of Content-Type, lower-cased names. */
  params: Record<string, string>;
  /** Decoded body (transfer encoding removed); empty for multiparts. */
  body: Buffer;
  children: MimePart[];
}

const MAX_DEPTH = 8;
const MAX_PARTS = 200;

function splitHeaderBody(raw: Buffer): { head: string; body: Buffer } {
  const s = raw.toString('latin1');
  const m = /\r?\n\r?\n/.exec(s);
  if (!m) return { head: s, body: Buffer.alloc(0) };
  return { head: s.slice(0, m.index), body: raw.subarray(m.index + m[0].length) };
}

export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  if (!value) return { type: 'text/plain', params };
  const [first, ...rest] = value.split(';');
  for (const p of rest) {
    const m = /^\s*([^=\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/.exec(p);
    if (m) params[(m[1] as string).toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { type: (first ?? '').trim().toLowerCase() || 'text/plain', params };
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const s = body.toString('latin1').replace(/=\r?\n/g, '');
  return Buffer.from(
    s.replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
}

export function decodeBody(body: Buffer, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const s = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  let pos = s.indexOf(delimiter);
  while (pos >= 0 && parts.length < MAX_PARTS) {
    const afterDelim = pos + delimiter.length;
    if (s.startsWith('--', afterDelim)) break; // closing delimiter
    const lineEnd = s.indexOf('\n', afterDelim);
    if (lineEnd < 0) break;
    const next = s.indexOf(`\n${delimiter}`, lineEnd);
    const end = next < 0 ? s.length : next;
    let chunk = s.slice(lineEnd + 1, end);
    if (chunk.endsWith('\r')) chunk = chunk.slice(0, -1);
    parts.push(Buffer.from(chunk, 'latin1'));
    if (next < 0) break;
    pos = next + 1;
  }
  return parts;
}

export function parseMime(raw: Buffer, depth = 0): MimePart {
  const { head, body } = splitHeaderBody(raw);
  const headers = headerLookupFromBlock(head);
  const { type, params } = parseContentType(headers.first('content-type'));
  if (type.startsWith('multipart/') && params.boundary && depth < MAX_DEPTH) {
    const children = splitMultipart(body, params.boundary).map((p) => parseMime(p, depth + 1));
    return { headers, contentType: type, params, body: Buffer.alloc(0), children };
  }
  return { headers, contentType: type, params, body: decodeBody(body, headers.first('content-transfer-encoding')), children: [] };
}

/** Depth-first list of every part (the root included). */
export function flattenParts(root: MimePart): MimePart[] {
  const out: MimePart[] = [];
  const walk = (p: MimePart): void => {
    out.push(p);
    for (const c of p.children) walk(c);
  };
  walk(root);
  return out;
}

/** Header block of an embedded message (message/rfc822 body or text/rfc822-headers). */
export function embeddedHeaders(part: MimePart): HeaderLookup {
  return headerLookupFromBlock(splitHeaderBody(part.body).head);
}
