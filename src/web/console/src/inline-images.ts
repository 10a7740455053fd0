/**
 * Matching an email's `cid:` references to its inline parts' Content-IDs. RFC 2392 writes the reference
 * URL-encoded and without the angle brackets; mailers differ on case (`CID:`, an upper-case id in the HTML and a
 * lower-case one in the header) and some leave the brackets in. Compared exactly, such an image stayed broken.
 */
export function cidKey(ref: string): string {
  let decoded = ref;
  try {
    decoded = decodeURIComponent(ref);
  } catch {
    // Not valid percent-encoding: compared as written.
  }
  return decoded.trim().replace(/^<|>$/g, '').toLowerCase();
}

const CID_SRC = /src="cid:([^"]+)"/gi;

/** The normalised Content-IDs the HTML refers to. */
export function referencedCids(html: string): Set<string> {
  return new Set([...html.matchAll(CID_SRC)].map((m) => cidKey(m[1]!)));
}

/** The HTML with each `cid:` image that has a loaded data URL (by normalised Content-ID) pointing at it. */
export function withInlineImages(html: string, loaded: Record<string, string>): string {
  return html.replace(CID_SRC, (whole, ref: string) => {
    const url = loaded[cidKey(ref)];
    return url ? `src="${url}"` : whole;
  });
}
