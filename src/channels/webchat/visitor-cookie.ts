import { parse as parseCookies } from 'cookie';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The visitor id: 128 random bits, signed with a key derived from the
 * instance secret so it cannot be forged or guessed. Cookie value:
 * `<id>.<mac>`; the id alone is the contact's handle (`visitor:<id>`).
 */
export const VISITOR_COOKIE = 'ponte_visitor';
const ID = /^[A-Za-z0-9_-]{22}$/;

export class VisitorIds {
  private readonly key: Buffer;

  constructor(instanceSecret: string) {
    this.key = createHmac('sha256', instanceSecret).update('ponte:webchat:visitor-cookie:v1').digest();
  }

  issue(): { id: string; cookie: string } {
    const id = randomBytes(16).toString('base64url');
    return { id, cookie: `${id}.${this.mac(id)}` };
  }

  /** The visitor id of a valid cookie value, else undefined. */
  verify(value: string | undefined): string | undefined {
    if (!value) return undefined;
    const dot = value.indexOf('.');
    if (dot < 0) return undefined;
    const id = value.slice(0, dot);
    const mac = Buffer.from(value.slice(dot + 1));
    if (!ID.test(id)) return undefined;
    const expected = Buffer.from(this.mac(id));
    return mac.length === expected.length && timingSafeEqual(mac, expected) ? id : undefined;
  }

  private mac(id: string): string {
    return createHmac('sha256', this.key).update(id).digest('base64url');
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  return parseCookies(header ?? '')[name];
}
