import { sanitizeEmailHtml } from '../../core/messages/sanitize-html.js';
import type { MessageEntity } from './update-schema.js';

/**
 * Telegram text entities → safe HTML for the console. Offsets and lengths are UTF-16 code units, which is
 * what JavaScript strings index by, so `slice` cuts exactly where Telegram meant. Entities nest (bold inside
 * a link) but never overlap partially; one that does is ignored rather than breaking the markup.
 * Returns undefined when nothing is formatted: a plain message is shown as text, not as HTML.
 */

/** Entity types that change how the text looks; mentions, hashtags and commands stay plain text. */
const FORMATTING = new Set([
  'bold',
  'italic',
  'underline',
  'strikethrough',
  'code',
  'pre',
  'text_link',
  'url',
  'blockquote',
  'expandable_blockquote',
  'spoiler',
]);

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const plain = (s: string) => escape(s).replace(/\r?\n/g, '<br>');
/** Plain text as HTML (escaped, line breaks kept). */
export const textToHtml = plain;

/** Only web and mail links become links; `tg://` and anything else stays text. */
function safeHref(url: string): string | undefined {
  const candidate = /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `https://${url}`;
  try {
    const parsed = new URL(candidate);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

function tags(e: MessageEntity, covered: string): [string, string] {
  switch (e.type) {
    case 'bold':
      return ['<b>', '</b>'];
    case 'italic':
      return ['<i>', '</i>'];
    case 'underline':
      return ['<u>', '</u>'];
    case 'strikethrough':
      return ['<s>', '</s>'];
    case 'code':
      return ['<code>', '</code>'];
    case 'pre':
      return ['<pre><code>', '</code></pre>'];
    case 'blockquote':
    case 'expandable_blockquote':
      return ['<blockquote>', '</blockquote>'];
    case 'text_link':
    case 'url': {
      const href = safeHref(e.type === 'url' ? covered : (e.url ?? ''));
      return href ? [`<a href="${escape(href)}">`, '</a>'] : ['', ''];
    }
    default:
      return ['', ''];
  }
}

function render(text: string, entities: MessageEntity[], start: number, end: number): string {
  let out = '';
  let pos = start;
  for (let i = 0; i < entities.length; i++) {
    const e = entities[i]!;
    const eEnd = e.offset + e.length;
    if (e.offset < pos || eEnd > end) continue; // partial overlap: ignored
    const inner = entities.slice(i + 1).filter((c) => c.offset >= e.offset && c.offset + c.length <= eEnd);
    const [open, close] = tags(e, text.slice(e.offset, eEnd));
    const body =
      e.type === 'pre' || e.type === 'code' ? escape(text.slice(e.offset, eEnd)) : render(text, inner, e.offset, eEnd);
    out += plain(text.slice(pos, e.offset)) + open + body + close;
    pos = eEnd;
  }
  return out + plain(text.slice(pos, end));
}

export function entitiesToHtml(text: string, entities: readonly MessageEntity[] | undefined): string | undefined {
  const formatting = (entities ?? []).filter(
    (e) => FORMATTING.has(e.type) && e.length > 0 && e.offset + e.length <= text.length,
  );
  if (!formatting.length) return undefined;
  // Outer entities first: by start, then the longer one.
  const sorted = [...formatting].sort((a, b) => a.offset - b.offset || b.length - a.length);
  return sanitizeEmailHtml(render(text, sorted, 0, text.length));
}
