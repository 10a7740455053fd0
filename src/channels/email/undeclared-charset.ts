import { isUtf8 } from 'node:buffer';
import { decodeBody, parseContentType } from './mime-parts.js';

/**
 * Mail written without a charset (old PHP `mail()` scripts, ERPs, scanners) in 8-bit Latin-1 / Windows-1252:
 * mailparser reads undeclared bytes as UTF-8 and turns every "ã" into U+FFFD, in the text and in headers alike.
 * Before parsing, this declares a charset on a text part that has none and whose bytes are not UTF-8 (an HTML
 * part's own `<meta charset>` if it names one, else windows-1252, the superset of Latin-1 every mail client
 * assumes), and re-encodes a header line with raw bytes that are not UTF-8 from windows-1252 to UTF-8.
 * Mail that is UTF-8 or declares its charsets comes back as the same Buffer.
 */

const MAX_DEPTH = 8;
const MAX_PARTS = 500;
const FALLBACK = 'windows-1252';
const cp1252 = new TextDecoder(FALLBACK);

interface Walk {
  changed: boolean;
  parts: number;
}

export function declareUndeclaredCharsets(raw: Buffer): Buffer {
  const walk: Walk = { changed: false, parts: 0 };
  const repaired = repairEntity(raw.toString('latin1'), 0, walk);
  return walk.changed ? Buffer.from(repaired, 'latin1') : raw;
}

/** One entity (the message or a part): headers, blank line, body — as a latin1 string, one char per byte. */
function repairEntity(s: string, depth: number, walk: Walk): string {
  walk.parts += 1;
  // A part may have no headers at all: it then starts with the blank line.
  const split = /^\r?\n/.exec(s) ?? /\r?\n\r?\n/.exec(s);
  const head = split ? s.slice(0, split.index) : s;
  const sep = split ? split[0] : '';
  let body = split ? s.slice(split.index + sep.length) : '';
  let newHead = repairHeaderBytes(head, walk);

  const contentType = headerValue(newHead, 'content-type');
  const { type, params } = parseContentType(contentType);
  if (type.startsWith('multipart/') && params.boundary && depth < MAX_DEPTH) {
    body = repairMultipart(body, params.boundary, depth, walk);
  } else if (type.startsWith('text/') && !params.charset && body) {
    const decoded = decodeBody(Buffer.from(body, 'latin1'), headerValue(newHead, 'content-transfer-encoding'));
    if (!mostlyUtf8(decoded)) {
      const charset = (type === 'text/html' && metaCharset(decoded)) || FALLBACK;
      walk.changed = true;
      if (contentType !== undefined) newHead = withCharset(newHead, charset);
      else {
        const line = `Content-Type: text/plain; charset=${charset}`;
        // Headerless part: the new header line, then the blank line it starts with.
        return head ? `${newHead}${sep.startsWith('\r') ? '\r\n' : '\n'}${line}${sep}${body}` : `${line}${sep}${sep}${body}`;
      }
    }
  }
  return newHead + sep + body;
}

/**
 * UTF-8, or UTF-8 with a stray bad byte (a line cut inside a character): more characters decode well than
 * badly. Latin-1 text almost never forms a valid multi-byte UTF-8 sequence, so it fails this.
 */
function mostlyUtf8(bytes: Buffer): boolean {
  if (isUtf8(bytes)) return true;
  let good = 0;
  let bad = 0;
  // eslint-disable-next-line no-control-regex
  for (const ch of bytes.toString('utf8').replace(/[\u0000-\u007f]+/g, '')) {
    if (ch === '\ufffd') bad += 1;
    else good += 1;
  }
  return good > bad;
}

function repairHeaderBytes(head: string, walk: Walk): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0080-\u00ff]/.test(head)) return head;
  return head
    .split('\n')
    .map((line) => {
      // eslint-disable-next-line no-control-regex
      if (!/[\u0080-\u00ff]/.test(line)) return line;
      const bytes = Buffer.from(line, 'latin1');
      if (mostlyUtf8(bytes)) return line;
      walk.changed = true;
      return Buffer.from(cp1252.decode(bytes), 'utf8').toString('latin1');
    })
    .join('\n');
}

/** A header's unfolded value (the first one), or undefined. */
function headerValue(head: string, name: string): string | undefined {
  const m = new RegExp(`^${name}[ \\t]*:([^\\n]*(?:\\n[ \\t][^\\n]*)*)`, 'im').exec(head);
  return m ? (m[1] as string).replace(/\r?\n[ \t]+/g, ' ').trim() : undefined;
}

/** Appends the charset to the (possibly folded) Content-Type header. */
function withCharset(head: string, charset: string): string {
  return head.replace(/^content-type[ \t]*:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/im, (value) => `${value.replace(/[\s;]*$/, '')}; charset=${charset}`);
}

/** `<meta charset="x">` or `<meta http-equiv="Content-Type" content="text/html; charset=x">` near the top. */
function metaCharset(html: Buffer): string | undefined {
  const head = html.subarray(0, 2048).toString('latin1');
  const m = /<meta[^>]+charset\s*=\s*["']?([a-z0-9_.:-]+)/i.exec(head);
  const name = m?.[1]?.toLowerCase();
  if (!name || name === 'utf-8' || name === 'utf8') return undefined;
  try {
    new TextDecoder(name);
    return name;
  } catch {
    return undefined;
  }
}

/** The index of the next `\n--boundary` that is a whole delimiter line (not `--boundary2`), or -1. */
function nextDelimiter(body: string, delimiter: string, from: number): number {
  for (let at = body.indexOf(`\n${delimiter}`, from); at >= 0; at = body.indexOf(`\n${delimiter}`, at + 1)) {
    const after = body[at + 1 + delimiter.length];
    if (after === undefined || after === '\r' || after === '\n' || after === '-' || after === ' ' || after === '\t') return at;
  }
  return -1;
}

function repairMultipart(body: string, boundary: string, depth: number, walk: Walk): string {
  const delimiter = `--${boundary}`;
  let pos = body.startsWith(delimiter) ? 0 : nextDelimiter(body, delimiter, 0);
  if (pos < 0) return body;
  if (pos > 0) pos += 1; // past the newline that starts the delimiter line
  let out = body.slice(0, pos);
  while (walk.parts < MAX_PARTS) {
    const afterDelimiter = pos + delimiter.length;
    const lineEnd = body.indexOf('\n', afterDelimiter);
    if (body.startsWith('--', afterDelimiter) || lineEnd < 0) break; // the closing delimiter, or a cut-off mail
    out += body.slice(pos, lineEnd + 1);
    const next = nextDelimiter(body, delimiter, lineEnd);
    const end = next < 0 ? body.length : next;
    const partEnd = body[end - 1] === '\r' && end - 1 > lineEnd ? end - 1 : end;
    out += repairEntity(body.slice(lineEnd + 1, partEnd), depth + 1, walk) + body.slice(partEnd, next < 0 ? end : end + 1);
    if (next < 0) return out;
    pos = next + 1;
  }
  return out + body.slice(pos);
}
