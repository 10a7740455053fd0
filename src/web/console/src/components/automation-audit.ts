import { at } from '../automation-i18n.ts';

/** History lines of the automation features (macros, ratings, auto-close); null when the event is not one. */
export function automationAuditText(e: { type: string; actor: { type: string; name?: string } }, d: Record<string, any>, actor: string): string | null {
  switch (e.type) {
    case 'macro.applied':
      return at('au_macro', { actor, name: d.name ?? '' });
    case 'csat.requested':
      return at('au_csat_requested', { channel: d.channel ?? '' });
    case 'csat.rated':
      return at('au_csat_rated', { rating: d.rating ?? '?' });
    default:
      return null;
  }
}
