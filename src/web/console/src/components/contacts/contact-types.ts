import type { Contact } from '../../types.ts';

/** A contact as the contacts page reads it (GET /api/contacts, /api/contacts/:id). */
export type ContactFull = Contact & { notes: string | null; unverifiedEmail: string | null; mergedInto: string | null };
