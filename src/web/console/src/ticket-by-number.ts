import { api } from './api.ts';
import type { TicketDetail, TicketSummary } from './types.ts';

/** Who a ticket belongs to, as the merge and split confirmations name them. */
export const customerOf = (d: TicketDetail) => d.contact?.name ?? d.contact?.email ?? d.contact?.phone ?? '?';

/**
 * The ticket an agent typed the number of ("1042" or "#1042") for a merge or a split: its detail, null when the
 * input is not a number; an Error with the caller's message when there is no such ticket (or only a closed one,
 * with `openOnly`) or it is `selfId` itself.
 */
export async function ticketByNumber(
  input: string,
  selfId: string,
  opts: { openOnly?: boolean; notFound: (number: string) => string; self: string },
): Promise<TicketDetail | null> {
  const number = input.replace('#', '').trim();
  if (!/^\d+$/.test(number)) return null;
  const found = await api.get<{ items: TicketSummary[] }>(`/search/tickets?q=${encodeURIComponent(`#${number}`)}&limit=5`);
  const hit = found.items.find((x) => String(x.number) === number && (!opts.openOnly || x.status !== 'closed'));
  if (!hit) throw new Error(opts.notFound(number));
  if (hit.id === selfId) throw new Error(opts.self);
  return api.get<TicketDetail>(`/tickets/${hit.id}`);
}
