import { describe, expect, it } from 'vitest';
import { cidKey, referencedCids, withInlineImages } from '../../../src/web/console/src/inline-images.js';

/** The console shows an email's inline images by matching the HTML's `cid:` references to the parts' Content-IDs. */
describe('inline images by Content-ID', () => {
  it('matches however the mailer wrote the reference: case, percent-encoding, angle brackets', () => {
    const html =
      '<p><img src="cid:image001.png@01DB5A.6F1C"></p><img src="CID:Logo%20Big@Example.COM"><img src="cid:%3Cboxed@x%3E"><img src="cid:missing@x">';
    expect(referencedCids(html)).toEqual(new Set(['image001.png@01db5a.6f1c', 'logo big@example.com', 'boxed@x', 'missing@x']));
    const loaded = { [cidKey('IMAGE001.PNG@01DB5A.6F1C')]: 'data:image/png;base64,AA', [cidKey('logo big@example.com')]: 'data:image/png;base64,BB', [cidKey('<boxed@x>')]: 'data:image/png;base64,CC' };
    expect(withInlineImages(html, loaded)).toBe(
      '<p><img src="data:image/png;base64,AA"></p><img src="data:image/png;base64,BB"><img src="data:image/png;base64,CC"><img src="cid:missing@x">',
    );
  });

  it('a reference that is not valid percent-encoding is compared as written', () => {
    expect(cidKey('50%off@shop')).toBe('50%off@shop');
    expect(withInlineImages('<img src="cid:50%off@shop">', { '50%off@shop': 'data:,x' })).toBe('<img src="data:,x">');
  });
});
