/**
 * What an agent has typed in a ticket's composer, kept per user and ticket in localStorage: looking at another
 * ticket, a reload, or a session that ended and was signed in again must not throw an unsent answer away.
 * Attached files are sent inside the reply itself (nothing is uploaded before Send), and they can be megabytes:
 * only their names and sizes are kept, so that after a reload the composer can say which files to attach
 * again instead of losing them silently. Signing out clears drafts, so the next person on a shared computer
 * does not find them.
 */
export interface DraftFile {
  name: string;
  size: number;
}
export interface Draft {
  text: string;
  mode: 'reply' | 'note';
  files?: DraftFile[];
  /**
   * A text the agent pressed Send on that the server has not confirmed yet, with the key it was sent under
   * (see client-message-id.ts): a reload mid-send puts it back in the box, and sending it again reuses the key,
   * so the server answers with the reply it may already have stored instead of storing it twice.
   */
  pending?: PendingSend;
}

export interface PendingSend {
  clientMessageId: string;
  text: string;
  mode: 'reply' | 'note';
  recipientId?: string;
  /** The files sent with it (name, type, size): the same text with other files is another message. */
  files?: string;
}

function pendingOf(p: unknown): PendingSend | undefined {
  const v = p as Partial<PendingSend> | null | undefined;
  if (!v || typeof v.clientMessageId !== 'string' || typeof v.text !== 'string') return undefined;
  return { clientMessageId: v.clientMessageId, text: v.text, mode: v.mode === 'note' ? 'note' : 'reply', ...(typeof v.recipientId === 'string' ? { recipientId: v.recipientId } : {}),
    ...(typeof v.files === 'string' ? { files: v.files } : {}),
  };
}

const isFile = (f: unknown): f is DraftFile => Boolean(f) && typeof (f as DraftFile).name === 'string' && typeof (f as DraftFile).size === 'number';

const PREFIX = 'ponte.draft.';
const key = (userId: string, ticketId: string) => `${PREFIX}${userId}.${ticketId}`;

export function readDraft(userId: string, ticketId: string): Draft | null {
  try {
    const d = JSON.parse(localStorage.getItem(key(userId, ticketId)) ?? 'null') as Partial<Draft> | null;
    if (!d || typeof d.text !== 'string') return null;
    const files = Array.isArray(d.files) ? d.files.filter(isFile).map((f) => ({ name: f.name, size: f.size })) : [];
    const pending = pendingOf(d.pending);
    return { text: d.text, mode: d.mode === 'note' ? 'note' : 'reply', ...(files.length ? { files } : {}), ...(pending ? { pending } : {}) };
  } catch {
    return null;
  }
}

/** An empty text without files or a pending send removes the draft. */
export function writeDraft(userId: string, ticketId: string, d: Draft): void {
  try {
    if (d.text.trim() || d.files?.length || d.pending) localStorage.setItem(key(userId, ticketId), JSON.stringify(d));
    else localStorage.removeItem(key(userId, ticketId));
  } catch {
    // storage full or disabled: the draft lives as long as the page, as before
  }
}

export function clearDrafts(userId: string): void {
  for (const k of Object.keys(localStorage)) if (k.startsWith(`${PREFIX}${userId}.`)) localStorage.removeItem(k);
}
