import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { mt } from '../merged-i18n.ts';
import type { TicketDetail } from '../types.ts';

type Ref = { id: string; number: number; subject: string };

/** How many "merged from" tickets the header names (each is one read); the audit lines name them all. */
const MAX_NAMED = 8;

/**
 * Number and subject of the tickets `ids` names, read with the viewer's own rights: one the agent may not see
 * (another department) stays out — its subject is not theirs to read. Read again when the ids change.
 */
function useTicketRefs(ids: string[]): Map<string, Ref> {
  const key = ids.join(',');
  const [refs, setRefs] = useState<Map<string, Ref>>(new Map());
  useEffect(() => {
    let live = true;
    setRefs(new Map());
    void Promise.all(
      ids.map((id) =>
        api.get<TicketDetail>(`/tickets/${id}`).then(
          (d): Ref => ({ id, number: d.number, subject: d.subject }),
          () => null,
        ),
      ),
    ).then((found) => {
      if (live) setRefs(new Map(found.filter((r): r is Ref => r !== null).map((r) => [r.id, r])));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return refs;
}

/** The ticket a merged ticket went into, or null (read failed / not visible). */
export function useMergeTarget(d: TicketDetail | undefined): Ref | null {
  const refs = useTicketRefs(d?.mergedInto ? [d.mergedInto] : []);
  return d?.mergedInto ? refs.get(d.mergedInto) ?? null : null;
}

/** At the top of a merged ticket's thread: where its conversation goes on, with a way there. */
export function MergedIntoBanner({ detail, target }: { detail: TicketDetail; target: Ref | null }) {
  if (!detail.mergedInto) return null;
  return (
    <div class="merged-banner" role="status" data-testid="merged-banner">
      <span>
        🔀 {target ? mt('mergedInto', { number: target.number }) : mt('mergedIntoUnknown')}
        {target ? <span class="muted" dir="auto"> “{target.subject}”</span> : null}
      </span>
      <a class="btn small" data-testid="merged-open-target" href={`#/t/${detail.mergedInto}`}>
        {target ? mt('mergedOpen', { number: target.number }) : mt('mergedOpenUnknown')}
      </a>
    </div>
  );
}

/** In place of the composer: the server refuses replies on a merged ticket (409 TICKET_MERGED). */
export function MergedComposer({ detail, target }: { detail: TicketDetail; target: Ref | null }) {
  return (
    <div class="merged-composer" data-testid="merged-composer">
      {target ? mt('mergedComposer', { number: target.number }) : mt('mergedComposerUnknown')}{' '}
      <a href={`#/t/${detail.mergedInto}`}>→</a>
    </div>
  );
}

/** On the ticket others were merged into: links to them (those the agent may see, the first few). */
export function MergedFrom({ detail }: { detail: TicketDetail }) {
  const ids = detail.mergedInto ? [] : detail.mergedTicketIds.slice(0, MAX_NAMED);
  const refs = useTicketRefs(ids);
  const shown = ids.flatMap((id) => refs.get(id) ?? []);
  if (!shown.length) return null;
  return (
    <span class="muted merged-from" data-testid="merged-from">
      · {mt('mergedFrom')}{' '}
      {shown.map((r, i) => (
        <>
          {i ? ', ' : ''}
          <a href={`#/t/${r.id}`} title={r.subject}>
            #{r.number}
          </a>
        </>
      ))}
    </span>
  );
}
