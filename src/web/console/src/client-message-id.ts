/**
 * The idempotency key of one send (`clientMessageId`): made when the agent presses Send on a text, kept with
 * it until the server answers, and sent again with any resend of that same text, so a send whose answer was
 * lost (reload, timeout, flaky link) is not stored and delivered twice. `crypto.randomUUID` exists only in
 * secure contexts; a console opened over plain HTTP on a LAN address still has `getRandomValues`.
 */
export function newClientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Keeps a key for as long as the content it was made for stays the same (the new-conversation form). */
export class KeyForContent {
  private content: string | undefined;
  private key = '';

  for(content: unknown): string {
    const json = JSON.stringify(content);
    if (json !== this.content) {
      this.content = json;
      this.key = newClientMessageId();
    }
    return this.key;
  }
}
