import { relative, t, type Key } from '../i18n.ts';
import type { Presence } from '../types.ts';

const channelIcon: Record<string, string> = { email: '✉', whatsapp: 'W', telegram: 'T', sms: 'S', voice: '☎', messenger: 'M', webchat: '💬' };

export function ChannelBadge({ channel, compact }: { channel: string; compact?: boolean }) {
  return (
    <span class={`channel ch-${channel}`} title={t(`ch_${channel}` as Key)} data-testid="channel-badge">
      <span class="channel-icon" aria-hidden="true">
        {channelIcon[channel] ?? '•'}
      </span>
      {compact ? null : <span>{t(`ch_${channel}` as Key)}</span>}
    </span>
  );
}

export const StatusPill = ({ status }: { status: string }) => <span class={`pill st-${status}`}>{t(`st_${status}` as Key)}</span>;

export const PriorityMark = ({ priority }: { priority: string }) =>
  priority === 'normal' ? null : <span class={`prio pr-${priority}`}>{t(`pr_${priority}` as Key)}</span>;

export function SlaChip({ due }: { due: string | null }) {
  if (!due) return <span class="sla sla-none">{t('noSla')}</span>;
  const ms = Date.parse(due) - Date.now();
  const cls = ms < 0 ? 'sla-breached' : ms < 3_600_000 ? 'sla-soon' : 'sla-ok';
  return <span class={`sla ${cls}`} title={new Date(due).toLocaleString()}>{ms < 0 ? t('overdue', { time: relative(due) }) : t('dueIn', { time: relative(due) })}</span>;
}

export function Avatar({ name, presence, size = 28 }: { name: string; presence?: Presence; size?: number }) {
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join('');
  let hue = 0;
  for (const c of name) hue = (hue * 31 + c.charCodeAt(0)) % 360;
  return (
    <span class="avatar" style={{ width: size, height: size, background: `hsl(${hue} 55% 46%)`, fontSize: size * 0.4 }} title={name}>
      {initials || '?'}
      {presence ? <span class={`presence-dot ${presence}`} /> : null}
    </span>
  );
}

/** Delivery state of an outbound message: ✓ sent, ✓✓ delivered, blue ✓✓ read. */
export function Ticks({ status, pending }: { status: string; pending?: string }) {
  if (pending === 'sending') return <span class="ticks pending" title={t('sending')} data-testid="ticks" data-status="sending">🕓</span>;
  if (pending === 'failed' || status === 'failed') return <span class="ticks failed" title={t('failed')} data-testid="ticks" data-status="failed">⚠</span>;
  const map: Record<string, [string, Key]> = {
    queued: ['🕓', 'queued'],
    sending: ['🕓', 'sending'],
    sent: ['✓', 'sent'],
    delivered: ['✓✓', 'delivered'],
    read: ['✓✓', 'read'],
  };
  const [glyph, label] = map[status] ?? ['', 'received'];
  return (
    <span class={`ticks ${status}`} title={t(label)} data-testid="ticks" data-status={status}>
      {glyph}
    </span>
  );
}

export const fileSize = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
