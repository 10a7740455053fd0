import sanitizeHtml from 'sanitize-html';

/**
 * Message HTML (email, or any channel that sends HTML) made safe to show in the console: no scripts, styles sheets, event
 * handlers, forms, frames or `javascript:` URLs; basic formatting, tables and
 * links kept; images only from `cid:` (inline parts), `data:` or `https:`.
 * Links open in a new tab without a referrer.
 */

const COLOR = /^(#[0-9a-f]{3,8}|rgba?\([\d\s.,%]+\)|[a-z]{3,20})$/i;
const LENGTH = /^(0|-?\d+(\.\d+)?(px|pt|em|rem|%)?)$/i;
const KEYWORD = /^[a-z-]{2,20}$/i;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center', 'del', 'ins'],
  allowedAttributes: {
    a: ['href', 'name', 'title', 'target', 'rel'],
    img: ['src', 'data-remote-src', 'alt', 'title', 'width', 'height'],
    font: ['color', 'size', 'face'],
    table: ['width', 'border', 'cellpadding', 'cellspacing', 'align'],
    td: ['colspan', 'rowspan', 'align', 'valign', 'width'],
    th: ['colspan', 'rowspan', 'align', 'valign', 'width'],
    ol: ['start', 'type'],
    blockquote: ['type', 'cite', 'class'],
    div: ['class', 'dir'],
    p: ['dir'],
    '*': ['style', 'align', 'dir', 'lang'],
  },
  // Only the classes quote folding in the console relies on; anything else could
  // pick up the console's own styles.
  allowedClasses: {
    div: ['gmail_quote', 'gmail_attr', 'gmail_signature', 'moz-cite-prefix', 'moz-signature'],
    blockquote: ['gmail_quote'],
  },
  allowedStyles: {
    '*': {
      color: [COLOR],
      'background-color': [COLOR],
      'font-weight': [/^(bold|normal|[1-9]00)$/i],
      'font-style': [/^(italic|normal)$/i],
      'font-size': [LENGTH, KEYWORD],
      'font-family': [/^[\w\s,'"-]{1,100}$/],
      'text-decoration': [/^[a-z\s-]{2,40}$/i],
      'text-align': [/^(left|right|center|justify)$/i],
      'vertical-align': [KEYWORD],
      'margin': [/^[\d\s.a-z%-]{1,40}$/i],
      'margin-left': [LENGTH],
      'padding': [/^[\d\s.a-z%-]{1,40}$/i],
      'padding-left': [LENGTH],
      'border-left': [/^[\w\s#.(),%-]{1,60}$/],
      width: [LENGTH],
      height: [LENGTH],
    },
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['cid', 'data', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'template', 'xml', 'iframe', 'object'],
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' },
    }),
    img: (tagName, attribs) => blockRemoteImage(tagName, attribs),
  },
  // An image with nothing to show (no inline src, no blocked remote address) goes.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src && !frame.attribs['data-remote-src'],
};

/**
 * Remote images are blocked (as mail clients do): opening a ticket must not tell the sender when and from where
 * an agent read it (tracking pixels, remote logos). The https address is kept in `data-remote-src`, so the
 * console's per-message "show images" can put it back; `cid:` (inline parts) and `data:` images stay.
 * Runs again on HTML that already went through it (the core sanitises what channels sanitised): idempotent.
 */
function blockRemoteImage(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const { src, 'data-remote-src': remote, ...rest } = attribs;
  const url = (src ?? remote ?? '').trim();
  if (/^https:\/\//i.test(url)) return { tagName, attribs: { ...rest, 'data-remote-src': url } };
  return { tagName, attribs: { ...rest, ...(src ? { src } : {}) } };
}

export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}
