/**
 * What an agent has typed in a ticket's composer, kept per user and ticket in localStorage: looking at another
 * ticket, a reload, or a session that ended and was signed in again must not throw an unsent answer away.
 * Attachments are not kept (they can be megabytes; the agent picks them again). Signing out clears them, so the
 * next person on a shared computer does not find them.
 */
export interface Draft {
  text: string;
  mode: 'reply' | 'note';
}

const PREFIX = 'ponte.draft.';
const key = (userId: string, ticketId: string) => `${PREFIX}${userId}.${ticketId}`;

export function readDraft(userId: string, ticketId: string): Draft | null {
  try {
    const d = JSON.parse(localStorage.getItem(key(userId, ticketId)) ?? 'null') as Partial<Draft> | null;
    return d && typeof d.text === 'string' ? { text: d.text, mode: d.mode === 'note' ? 'note' : 'reply' } : null;
  } catch {
    return null;
  }
}

/** An empty text removes the draft. */
export function writeDraft(userId: string, ticketId: string, d: Draft): void {
  try {
    if (d.text.trim()) localStorage.setItem(key(userId, ticketId), JSON.stringify(d));
    else localStorage.removeItem(key(userId, ticketId));
  } catch {
    // storage full or disabled: the draft lives as long as the page, as before
  }
}

export function clearDrafts(userId: string): void {
  for (const k of Object.keys(localStorage)) if (k.startsWith(`${PREFIX}${userId}.`)) localStorage.removeItem(k);
}
