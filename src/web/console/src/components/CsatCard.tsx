import { at } from '../automation-i18n.ts';
import { relative } from '../i18n.ts';
import type { TicketDetail } from '../types.ts';

/** The customer's rating of the latest solve, in the ticket side panel (redrawn live on `ticket.csat_rated`). */
export function CsatCard({ d }: { d: TicketDetail }) {
  const c = d.csat;
  if (!c) return null;
  return (
    <section class="card csat-card" data-testid="csat-card">
      <h3>{at('csatTitle')}</h3>
      {c.rating ? (
        <>
          <div class="csat-score" data-testid="csat-rating" aria-label={at('csatRated', { rating: c.rating })}>
            <span class="stars" aria-hidden="true">
              {'★'.repeat(c.rating)}
              <span class="muted">{'★'.repeat(5 - c.rating)}</span>
            </span>{' '}
            {at('csatRated', { rating: c.rating })}
          </div>
          {c.comment ? <blockquote data-testid="csat-comment">{c.comment}</blockquote> : null}
          {c.ratedAt ? <div class="muted">{at('csatRatedAt', { when: relative(c.ratedAt) })}</div> : null}
        </>
      ) : (
        <p class="muted">{at('csatAsked', { when: relative(c.requestedAt) })}</p>
      )}
    </section>
  );
}
