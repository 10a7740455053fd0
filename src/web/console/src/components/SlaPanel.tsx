import { clock } from '../i18n.ts';
import { st } from '../sla-i18n.ts';
import type { TicketDetail } from '../types.ts';
import { SlaChip } from './bits.tsx';

/** The ticket's SLA: which policy applies and each target's due time with the time left (or overdue). */
export function SlaPanel({ detail }: { detail: TicketDetail }) {
  const sla = detail.sla;
  const ended = detail.status === 'solved' || detail.status === 'closed';
  const rows: Array<[string, string | null | undefined, boolean]> = [
    [st('firstResponse'), sla.firstResponseDueAt, Boolean(detail.firstResponseAt)],
    [st('nextResponse'), sla.nextResponseDueAt, false],
    [st('resolution'), sla.resolutionDueAt, ended],
  ];
  return (
    <div class="sla-panel meta-line" data-testid="sla-panel">
      <span class="muted" data-testid="sla-policy">{st('slaPolicy', { name: sla.policyName ?? 'Default' })}</span>
      {/* A solved ticket's clock is stopped too (a reopen resumes it), but nobody waits on the customer. */}
      {sla.pausedAt && !ended ? <span class="pill">{st('slaPaused', { time: clock(sla.pausedAt) })}</span> : null}
      {rows
        .filter(([, due]) => due)
        .map(([label, due, met]) => (
          <span data-testid="sla-target">
            {label}:{' '}
            {met || sla.pausedAt ? (
              <span class="muted">{met ? st('met') : clock(due!)}</span>
            ) : (
              <>
                <span data-testid="sla-due">{clock(due!)}</span> <SlaChip due={due!} />
              </>
            )}
          </span>
        ))}
    </div>
  );
}
