import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { clock, t } from '../i18n.ts';
import { store } from '../store.ts';
import type { Message } from '../types.ts';
import { Avatar, ChannelBadge, fileSize, Ticks } from './bits.tsx';

/**
 * Email HTML, already sanitised by the channel on the way in, is shown in an
 * iframe with `sandbox` and no `allow-scripts` (and no `allow-same-origin`):
 * even a `<script>` or `onerror=` that slipped through cannot run or reach the
 * console. A CSP inside the frame also blocks remote loads (tracking pixels).
 */
export function EmailBody({ html }: { html: string }) {
  const doc =
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; font-src data:">` +
    `<base target="_blank"><style>body{font:14px/1.5 system-ui,sans-serif;color:#1f2937;margin:8px;word-wrap:break-word}img{max-width:100%}</style></head><body>${html}</body></html>`;
  return <iframe class="email-frame" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc={doc} title={t('htmlBody')} referrerpolicy="no-referrer" data-testid="email-frame" />;
}

const duration = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;

/** A phone call: direction, outcome, duration, and the voicemail's transcription when it came. */
function CallSummary({ call }: { call: NonNullable<Message['call']> }) {
  const status = `call_${call.status.replace('-', '')}` as Parameters<typeof t>[0];
  return (
    <div class="msg-call" data-testid="call" data-status={call.status}>
      📞 {t(call.direction === 'inbound' ? 'callIn' : 'callOut')} · {t(status)}
      {call.durationSeconds ? ` · ${duration(call.durationSeconds)}` : ''}
      {call.transcription ? (
        <blockquote class="msg-transcription">
          <span class="muted">{t('transcription')}:</span> {call.transcription}
        </blockquote>
      ) : null}
    </div>
  );
}

export function MessageItem({ m }: { m: Message }) {
  const [showHtml, setShowHtml] = useState(true);
  const note = m.kind === 'note';
  const side = m.direction === 'inbound' ? 'in' : 'out';
  const cls = note ? 'msg note' : `msg ${side}`;
  const retry = async () => {
    const updated = await api.post<Message>(`/messages/${m.id}/retry`);
    store.addMessage(updated);
  };
  return (
    <article class={cls} data-testid="message" data-kind={m.kind} data-direction={m.direction} data-message-id={m.id}>
      <header class="msg-head">
        <Avatar name={m.authorName ?? '?'} size={24} />
        <strong class="author">{m.authorName ?? ''}</strong>
        {note ? (
          <span class="note-label" title={t('notVisibleToCustomer')}>
            🔒 {t('internalNote')}
          </span>
        ) : (
          <ChannelBadge channel={m.channel} />
        )}
        <span class="spacer" />
        <time dateTime={m.occurredAt}>{clock(m.occurredAt)}</time>
        {m.direction === 'outbound' ? <Ticks status={m.deliveryStatus} pending={m.pending} /> : null}
      </header>
      {m.subject && m.channel === 'email' ? <div class="msg-subject">{m.subject}</div> : null}
      {m.call ? <CallSummary call={m.call} /> : null}
      {m.hasHtml && m.html && showHtml ? <EmailBody html={m.html} /> : <div class="msg-text" data-testid="message-text">{m.text}</div>}
      {m.hasHtml && m.html ? (
        <button class="link" onClick={() => setShowHtml(!showHtml)}>
          {showHtml ? t('showText') : t('showHtml')}
        </button>
      ) : null}
      {m.attachments.length ? (
        <div class="attachments">
          {m.attachments.map((a) =>
            /^audio\//.test(a.mimeType) ? (
              <audio
                controls
                preload="none"
                src={`/api/attachments/${a.blobId}`}
                data-testid="audio"
                title={a.fileName}
              />
            ) : /^image\/(png|jpeg|gif|webp)$/.test(a.mimeType) ? (
              <a href={`/api/attachments/${a.blobId}`} target="_blank" rel="noopener" class="att-image">
                <img src={`/api/attachments/${a.blobId}`} alt={a.fileName} loading="lazy" />
              </a>
            ) : (
              <a href={`/api/attachments/${a.blobId}`} class="att-file" download={a.fileName}>
                📎 {a.fileName} <span class="muted">{fileSize(a.size)}</span>
              </a>
            ),
          )}
        </div>
      ) : null}
      {m.deliveryStatus === 'failed' || m.pending === 'failed' ? (
        <div class="msg-error">
          {m.delivery?.lastError ?? t('failed')}{' '}
          {m.pending ? null : (
            <button class="link" onClick={() => void retry()}>
              {t('retry')}
            </button>
          )}
        </div>
      ) : null}
    </article>
  );
}
