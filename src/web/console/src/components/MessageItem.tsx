import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { errorText } from '../error-text.ts';
import { clock, t } from '../i18n.ts';
import { store } from '../store.ts';
import type { Attachment, Message } from '../types.ts';
import { ThreadReason } from './ThreadReason.tsx';
import { st } from '../split-i18n.ts';
import { Avatar, ChannelBadge, fileSize, Ticks } from './bits.tsx';
import { cidKey, referencedCids, withInlineImages } from '../inline-images.ts';

/**
 * Email HTML, already sanitised by the channel on the way in, is shown in an
 * iframe with `sandbox` and no `allow-scripts` (and no `allow-same-origin`):
 * even a `<script>` or `onerror=` that slipped through cannot run or reach the
 * console. A CSP inside the frame also blocks remote loads (tracking pixels).
 *
 * Remote images arrive blocked (`data-remote-src`, set by the server's sanitiser); "Show images" puts them back
 * for this message and lets the frame load https images. Inline `cid:` images are fetched here (same origin, with
 * the session) from the attachment their Content-ID names and shown as data: URLs, which the frame may load.
 */
export function EmailBody({ html, attachments = [] }: { html: string; attachments?: Attachment[] }) {
  const [remote, setRemote] = useState(false);
  const [inline, setInline] = useState<Record<string, string>>({});
  useEffect(() => {
    let alive = true;
    const refs = referencedCids(html);
    const wanted = attachments.filter((a) => a.contentId && refs.has(cidKey(a.contentId)));
    void Promise.all(
      wanted.map(async (a) => {
        const res = await fetch(`/api/attachments/${a.blobId}`, { credentials: 'same-origin' });
        if (!res.ok) return null;
        const blob = await res.blob();
        const url = await new Promise<string>((resolve) => {
          const reader = new FileReader();
          reader.onload = () => resolve(String(reader.result));
          reader.readAsDataURL(blob);
        });
        return [cidKey(a.contentId!), url] as const;
      }),
    ).then((pairs) => {
      if (alive) setInline(Object.fromEntries(pairs.filter((p) => p !== null)));
    });
    return () => {
      alive = false;
    };
  }, [html, attachments]);
  const hasRemote = html.includes('data-remote-src=');
  let body = withInlineImages(html, inline);
  if (remote) body = body.replace(/data-remote-src="(https:[^"]+)"/g, 'src="$1"');
  const imgSrc = remote ? 'data: https:' : 'data:';
  const doc =
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${imgSrc}; style-src 'unsafe-inline'; font-src data:">` +
    `<base target="_blank"><style>body{font:14px/1.5 system-ui,sans-serif;color:#1f2937;margin:8px;word-wrap:break-word}img{max-width:100%}</style></head><body>${body}</body></html>`;
  return (
    <>
      {hasRemote && !remote ? (
        <div class="images-blocked muted" data-testid="images-blocked">
          {t('imagesBlocked')}{' '}
          <button class="link" onClick={() => setRemote(true)} data-testid="show-images">
            {t('showImages')}
          </button>
        </div>
      ) : null}
      <iframe class="email-frame" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc={doc} title={t('htmlBody')} referrerpolicy="no-referrer" data-testid="email-frame" />
    </>
  );
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

/** `to`: who a reply went to, shown when the ticket has several customers (after a merge). `selectable`: the thread is in "Move messages" mode; a checkbox ticks this message. */
export function MessageItem({ m, to, selectable }: { m: Message; to?: string | undefined; selectable?: { checked: boolean; toggle: () => void } }) {
  const [showHtml, setShowHtml] = useState(true);
  const note = m.kind === 'note';
  const side = m.direction === 'inbound' ? 'in' : 'out';
  const cls = note ? 'msg note' : `msg ${side}`;
  const retry = async () => {
    try {
      const updated = await api.post<Message>(`/messages/${m.id}/retry`);
      store.addMessage(updated);
    } catch (err) {
      // E.g. another agent retried it meanwhile (409 NOT_RETRYABLE): the click must not fail silently.
      store.flash(errorText(err));
    }
  };
  return (
    <article class={`${cls}${selectable?.checked ? ' picked' : ''}`} data-testid="message" data-kind={m.kind} data-direction={m.direction} data-message-id={m.id}>
      <header class="msg-head">
        {selectable ? (
          <input type="checkbox" data-testid="split-select" checked={selectable.checked} onChange={selectable.toggle} title={st('selectMessage')} aria-label={st('selectMessage')} />
        ) : null}
        <Avatar name={m.authorName ?? '?'} size={24} />
        <strong class="author" dir="auto" title={m.authorName ?? ''}>{m.authorName ?? ''}</strong>
        {note ? (
          <span class="note-label" title={t('notVisibleToCustomer')}>
            🔒 {t('internalNote')}
          </span>
        ) : (
          <ChannelBadge channel={m.channel} />
        )}
        {to ? (
          <span class="msg-to" data-testid="message-recipient">
            ➜ {to}
          </span>
        ) : null}
        <span class="spacer" />
        {m.editedAt ? (
          <span class="msg-edited" data-testid="message-edited" title={clock(m.editedAt)}>
            {t('edited')}
          </span>
        ) : null}
        <time dateTime={m.occurredAt}>{clock(m.occurredAt)}</time>
        {m.direction === 'outbound' ? <Ticks status={m.deliveryStatus} pending={m.pending} /> : null}
      </header>
      {m.subject && m.channel === 'email' ? <div class="msg-subject" dir="auto">{m.subject}</div> : null}
      {m.call ? <CallSummary call={m.call} /> : null}
      {m.revoked ? (
        <div class="msg-revoked" data-testid="message-revoked">
          🚫 {t('revokedBySender')}
        </div>
      ) : null}
      {m.hasHtml && m.html && showHtml ? (
        <EmailBody html={m.html} attachments={m.attachments} />
      ) : (
        <div class="msg-text" dir="auto" data-testid="message-text" style={m.revoked ? { textDecoration: 'line-through', opacity: 0.6 } : undefined}>
          {m.text}
        </div>
      )}
      {m.direction === 'inbound' ? <ThreadReason reason={m.threadReason} /> : null}
      {m.reactions?.length ? (
        <div class="msg-reactions" data-testid="message-reactions">
          {m.reactions.map((r) => (
            <span title={r.by}>{r.emoji}</span>
          ))}
        </div>
      ) : null}
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
        <div class="msg-error" data-testid="message-error">
          {m.pending === 'failed' ? t('notSent', { reason: m.delivery?.lastError ?? t('failed') }) : (m.delivery?.lastError ?? t('failed'))}{' '}
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
