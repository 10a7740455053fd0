import { tt } from '../tickets-i18n.ts';

/**
 * Why an inbound message joined this ticket, as the threading stored it (`threadReason`: rule + English
 * detail): a short localised line, the stored detail on hover. Agents spot a wrong threading decision here.
 */
export function ThreadReason({ reason }: { reason: { rule: string; detail?: string } | null | undefined }) {
  if (!reason) return null;
  const detail = reason.detail ?? '';
  const number = /#(\d+)/.exec(detail)?.[1] ?? '';
  const label = (() => {
    switch (reason.rule) {
      case 'reference':
        return tt('reason_reference');
      case 'subject-token':
        return tt('reason_subjectToken', { number });
      case 'quoted-message':
        return tt('reason_quoted');
      case 'conversation':
        return tt('reason_conversation');
      case 'new-conversation':
        return tt('reason_new');
      default:
        return reason.rule;
    }
  })();
  const suffix = /reopened/.test(detail) ? ` · ${tt('reason_reopened')}` : /follow-up ticket/.test(detail) ? ` · ${tt('reason_followUp')}` : '';
  return (
    <div class="thread-reason" data-testid="thread-reason" data-rule={reason.rule} title={detail}>
      ↳ {label}
      {suffix}
    </div>
  );
}
