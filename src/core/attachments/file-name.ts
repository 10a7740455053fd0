const MAX_NAME = 255;
/** A longer "extension" (`x.` and 250 letters) is part of the name. */
const MAX_EXTENSION = 16;

/**
 * The file-name rule every channel applies to a name a customer gave (email attachments, web chat uploads, the
 * file names of Telegram documents, Messenger CDN paths and WhatsApp documents):
 * no path (`../../etc/passwd` → `passwd`), no control characters, no leading dots (hidden files), none of
 * the characters Windows refuses in a name (`<script>.html` → `_script_.html`, so a download keeps the
 * name the agent saw), no invisible direction controls (`invoice<U+202E>fdp.exe` is shown as `invoiceexe.pdf`:
 * an executable posing as a document), at most 255 characters with the extension kept. May return '' (the
 * caller names it).
 */
export function sanitizeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    // Bidi embeddings, overrides, isolates and marks (LRM/RLM/ALM): letters of any script stay.
    .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim();
  if (cleaned.length <= MAX_NAME) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= MAX_EXTENSION ? cleaned.slice(dot) : '';
  return cutAt(cleaned, MAX_NAME - ext.length) + ext;
}

/** The first `n` UTF-16 units, one fewer if that would split an emoji's surrogate pair (stored as U+FFFD). */
function cutAt(text: string, n: number): string {
  const code = text.charCodeAt(n - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** `name.ext`, `name (2).ext`, ... so that no two attachments of a message share a name. */
export function uniqueFileName(name: string, used: Set<string>): string {
  let candidate = name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= MAX_EXTENSION ? name.slice(dot) : '';
  const stem = name.slice(0, name.length - ext.length);
  // The stem is shortened to make room for the number: cutting the whole name to 255 would cut the number off
  // again, and a second file with the same long name would loop here for ever (the process with it).
  for (let n = 2; used.has(candidate.toLowerCase()); n += 1) {
    const suffix = ` (${n})${ext}`;
    candidate = sanitizeFileName(cutAt(stem, MAX_NAME - suffix.length) + suffix);
  }
  used.add(candidate.toLowerCase());
  return candidate;
}
