/**
 * The text an agent reads of an HTML-only mail, from its sanitised HTML: table cells separated by a tab and
 * rows, paragraphs and `<br>` by line breaks (mailparser's conversion ran cells together: "PlanPremium"), no
 * `[url]` or `[cid:…]` placeholders. The HTML itself is kept beside it for the console.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1]?.toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

export function htmlToReadableText(html: string): string {
  const text = html
    .replace(/<(script|style|head|title)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(td|th)>\s*(?=<(td|th)[\s>])/gi, '\t')
    .replace(/<\/(p|div|tr|table|h[1-6]|li|blockquote|pre|ul|ol)>/gi, '\n')
    .replace(/<(p|div|table|h[1-6]|blockquote|pre|ul|ol)(\s[^>]*)?>/gi, '\n')
    .replace(/<li(\s[^>]*)?>/gi, '\n- ')
    // A link keeps its address beside its words (the sanitiser left only http(s), mailto and tel).
    .replace(/<a\s[^>]*?href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/gi, (_m, href: string, label: string) => {
      const words = label.replace(/<[^>]+>/g, '').trim();
      const url = decodeEntities(href);
      return words && words !== url ? `${words} [${url}]` : url;
    })
    .replace(/<[^>]+>/g, '');
  return decodeEntities(text)
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => line.replace(/[ \u00a0]{2,}/g, ' ').replace(/^ +| +$/g, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * `[cid:image001.png@01DB…]` placeholders Outlook and mailparser leave where an inline image was: removed with the
 * space around them (a line that held only placeholders goes too); other lines are left exactly as they were.
 */
export function removeCidPlaceholders(text: string): string {
  if (!text.toLowerCase().includes('[cid:')) return text;
  const placeholder = /\[cid:[^\]\s]{1,998}\]/gi;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.toLowerCase().includes('[cid:')) {
      out.push(line);
      continue;
    }
    const cleaned = line.replace(placeholder, ' ').replace(/ {2,}/g, ' ').trim();
    if (cleaned) out.push(cleaned);
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}
