import { useEffect, useRef, useState } from 'preact/hooks';
import { KeyForContent } from '../client-message-id.ts';
import { api, ApiError, qs } from '../api.ts';
import { store, useStore } from '../store.ts';
import { tt } from '../tickets-i18n.ts';
import type { Contact, Inbox, TicketDetail } from '../types.ts';
import { fileSize } from './bits.tsx';

/** Channels whose inboxes can write to a customer first (src/core/outbound/conversation-starter.ts). */
const STARTABLE = ['email', 'sms', 'whatsapp'];
/** Of those, the ones that write to a phone number (the rest: an email address). */
const PHONE_KINDS = ['sms', 'whatsapp'];
const SEARCH_DEBOUNCE_MS = 250;

interface Pending {
  fileName: string;
  mimeType: string;
  size: number;
  contentBase64: string;
}

const readBase64 = (f: File) =>
  new Promise<string>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });

const emailOf = (c: Contact) => c.email ?? c.identities.find((k) => k.startsWith('email:'))?.slice(6) ?? null;
const phoneOf = (c: Contact) => c.phone ?? c.identities.find((k) => k.startsWith('phone:'))?.slice(6) ?? null;
/** What the server accepts (it normalises the rest): `+` or `00`, then a country code and number. */
const looksLikePhone = (v: string) => /^(\+|00)[\d\s().-]{7,}$/.test(v.trim());

/** The server's refusal in the user's language where we know it; otherwise its own (English) message. */
function problemText(err: unknown): { text: string; ticket?: { id: string; number: number } } {
  if (!(err instanceof ApiError)) return { text: err instanceof Error ? err.message : String(err) };
  switch (err.code) {
    case 'CONVERSATION_OPEN': {
      const number = Number(err.details.number);
      return { text: tt('newConvOpen', { number }), ticket: { id: String(err.details.ticketId), number } };
    }
    case 'CONTACT_OPTED_OUT':
      return { text: tt('newConvOptedOut') };
    case 'INBOX_DISABLED':
      return { text: tt('newConvDisabled') };
    case 'VALIDATION_FAILED': {
      const paths = err.issues.map((i) => i.path);
      if (paths.includes('to')) return { text: tt(err.issues.find((i) => i.path === 'to')!.message.includes('phone') ? 'newConvInvalidPhone' : 'newConvInvalidEmail') };
      if (paths.includes('attachments')) return { text: tt('newConvSmsNoFiles') };
      break;
    }
  }
  const issues = err.issues.length ? `: ${err.issues.map((i) => `${i.path} ${i.message}`).join('; ')}` : '';
  return { text: `${err.message}${issues}` };
}

/** The inboxes the signed-in user may start a conversation in: enabled email, SMS and WhatsApp inboxes of their departments. */
function startableInboxes(inboxes: Inbox[]): Inbox[] {
  const me = store.me;
  const all = me?.role === 'admin' || me?.role === 'supervisor';
  return inboxes.filter((i) => STARTABLE.includes(i.kind) && i.enabled && (all || !i.departmentId || me?.departmentIds.includes(i.departmentId)));
}

/** "New conversation" in the ticket list's header: the agent writes to a customer first. */
export function NewConversationButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="btn primary small new-conversation" data-testid="new-conversation" onClick={() => setOpen(true)}>
        {tt('newConversation')}
      </button>
      {open ? <NewConversationDialog onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function NewConversationDialog({ onClose }: { onClose: () => void }) {
  const s = useStore();
  const inboxes = startableInboxes(s.inboxes);
  const [to, setTo] = useState('');
  const [name, setName] = useState('');
  const [inboxId, setInboxId] = useState(inboxes[0]?.id ?? '');
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const [files, setFiles] = useState<Pending[]>([]);
  const [matches, setMatches] = useState<Contact[]>([]);
  const [picked, setPicked] = useState<Contact | null>(null);
  const [error, setError] = useState<{ text: string; ticket?: { id: string; number: number } } | null>(null);
  const [sending, setSending] = useState(false);
  const [sendKey] = useState(() => new KeyForContent());
  const timer = useRef<number | undefined>(undefined);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => {
    first.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.clearTimeout(timer.current);
    };
  }, []);
  useEffect(() => {
    if (!inboxId && inboxes[0]) setInboxId(inboxes[0].id);
  }, [inboxes.length]);
  const kind = inboxes.find((i) => i.id === inboxId)?.kind ?? 'email';
  const byPhone = PHONE_KINDS.includes(kind);
  const addressOf = (c: Contact) => (byPhone ? phoneOf(c) : emailOf(c));

  const search = (q: string) => {
    window.clearTimeout(timer.current);
    if (q.trim().length < 2) return setMatches([]);
    timer.current = window.setTimeout(() => {
      api
        .get<{ items: Contact[] }>(`/contacts${qs({ q: q.trim(), limit: 6 })}`)
        .then((r) => setMatches(r.items.filter((c) => addressOf(c))))
        .catch(() => setMatches([]));
    }, SEARCH_DEBOUNCE_MS);
  };

  const pick = (c: Contact) => {
    setPicked(c);
    setTo(addressOf(c) ?? '');
    setName(c.name ?? '');
    setMatches([]);
  };

  const addFiles = async (list: FileList | null) => {
    if (!list) return;
    const added = await Promise.all([...list].map(async (f) => ({ fileName: f.name, mimeType: f.type || 'application/octet-stream', size: f.size, contentBase64: await readBase64(f) })));
    setFiles((fs) => [...fs, ...added]);
  };

  const send = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (byPhone ? !looksLikePhone(to) : !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(to.trim())) {
      return setError({ text: tt(byPhone ? 'newConvInvalidPhone' : 'newConvInvalidEmail') });
    }
    if (!inboxId) return setError({ text: tt('newConvNoInbox') });
    setSending(true);
    try {
      const content = {
        inboxId,
        to: to.trim(),
        ...(name.trim() && !picked ? { name: name.trim() } : {}),
        ...(subject.trim() || !byPhone ? { subject } : {}),
        text,
        attachments: (kind === 'sms' ? [] : files).map(({ fileName, mimeType, contentBase64 }) => ({ fileName, mimeType, contentBase64 })),
      };
      // Sending the same form again (its answer was lost) reuses the key: one conversation, not two.
      const res = await api.post<{ ticket: TicketDetail; messageId: string }>('/tickets', { ...content, clientMessageId: sendKey.for(content) });
      onClose();
      location.hash = `#/t/${res.ticket.id}`;
    } catch (err) {
      setError(problemText(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <form class="dialog new-conversation-dialog" role="dialog" aria-modal="true" aria-label={tt('newConversation')} data-testid="new-conversation-dialog" onSubmit={send}>
        <h2>{tt('newConversation')}</h2>
        <label>
          {tt(byPhone ? 'newConvToPhone' : 'newConvTo')}
          <input
            ref={first}
            type={byPhone ? 'tel' : 'text'}
            autocomplete="off"
            data-testid="new-conv-to"
            placeholder={tt(byPhone ? 'newConvToPhonePlaceholder' : 'newConvToPlaceholder')}
            value={to}
            onInput={(e) => {
              setTo(e.currentTarget.value);
              setPicked(null);
              setError(null);
              search(e.currentTarget.value);
            }}
          />
        </label>
        {matches.length ? (
          <ul class="contact-matches" data-testid="new-conv-matches">
            {matches.map((c) => (
              <li key={c.id}>
                <button type="button" class="btn ghost" onClick={() => pick(c)}>
                  <strong>{c.name ?? addressOf(c)}</strong> <span class="muted">{addressOf(c)}</span>
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        {picked ? (
          <div class="muted" data-testid="new-conv-contact">
            {tt('newConvExisting', { name: picked.name ?? addressOf(picked) ?? '' })}
          </div>
        ) : (
          <label>
            {tt('newConvName')}
            <input type="text" data-testid="new-conv-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
        )}
        <label>
          {tt('newConvInbox')}
          <select
            data-testid="new-conv-inbox"
            value={inboxId}
            onChange={(e) => {
              const next = e.currentTarget.value;
              // An address of the other kind (email vs phone) does not fit the new inbox.
              if (PHONE_KINDS.includes(inboxes.find((i) => i.id === next)?.kind ?? '') !== byPhone) {
                setTo('');
                setPicked(null);
                setMatches([]);
              }
              setError(null);
              setInboxId(next);
            }}
          >
            {inboxes.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name} ({i.kind === 'sms' ? 'SMS' : i.kind === 'whatsapp' ? 'WhatsApp' : 'Email'})
              </option>
            ))}
          </select>
        </label>
        {inboxes.length === 0 ? (
          <div class="muted">{tt('newConvNoInbox')}</div>
        ) : (
          <div class="muted small" data-testid="new-conv-hint">
            {byPhone ? `${tt('newConvPhoneHint')}${kind === 'whatsapp' ? ` ${tt('newConvWhatsAppHint')}` : ''}` : tt('newConvEmailOnly')}
          </div>
        )}
        <label>
          {tt(byPhone ? 'newConvSubjectOptional' : 'newConvSubject')}
          <input type="text" required={!byPhone} maxLength={250} data-testid="new-conv-subject" value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
        </label>
        <label>
          {tt('newConvMessage')}
          <textarea required rows={6} data-testid="new-conv-text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        {/* SMS carries no files (Twilio fetches MMS media from a public URL agents' files do not have). */}
        {kind === 'sms' ? null : (
          <div class="new-conv-files">
            <label class="btn small">
              {tt('newConvAttach')}
              <input type="file" multiple hidden data-testid="new-conv-files" onChange={(e) => void addFiles(e.currentTarget.files)} />
            </label>
            {files.map((f, i) => (
              <span class="tag" key={i}>
                {f.fileName} ({fileSize(f.size)}){' '}
                <button type="button" class="btn ghost small" aria-label="×" onClick={() => setFiles((fs) => fs.filter((_, j) => j !== i))}>
                  ×
                </button>
              </span>
            ))}
          </div>
        )}
        {error ? (
          <div class="error" role="alert" data-testid="new-conv-error">
            {error.text}
            {error.ticket ? (
              <>
                {' '}
                <a
                  href={`#/t/${error.ticket.id}`}
                  data-testid="new-conv-open-ticket"
                  onClick={() => {
                    onClose();
                  }}
                >
                  {tt('newConvOpenLink', { number: error.ticket.number })}
                </a>
              </>
            ) : null}
          </div>
        ) : null}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onClose}>
            {tt('mergeCancel')}
          </button>
          <button type="submit" class="btn primary" data-testid="new-conv-send" disabled={sending || inboxes.length === 0}>
            {tt('newConvSend')}
          </button>
        </div>
      </form>
    </div>
  );
}
