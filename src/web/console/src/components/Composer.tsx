import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { renderTemplate } from '../../../../core/canned/render-template.ts';
import { cannedVars } from '../../../../core/canned/template-vars.ts';
import { CannedEmptyHint } from './settings/CannedEmptyHint.tsx';
import { api, ApiError } from '../api.ts';
import { t } from '../i18n.ts';
import { activity, typing } from '../socket.ts';
import { store, useStore } from '../store.ts';
import type { Message, ReplyWindow, TicketDetail } from '../types.ts';
import { fileSize } from './bits.tsx';
import { RecipientPicker, type Recipients } from './RecipientPicker.tsx';
import { readDraft, writeDraft, type DraftFile, type PendingSend } from '../drafts.ts';
import { newClientMessageId } from '../client-message-id.ts';

interface Pending {
  fileName: string;
  mimeType: string;
  size: number;
  contentBase64: string;
}

/**
 * Files attached and not yet sent, per user and ticket, for as long as the page lives: looking at another ticket
 * and coming back finds them still attached. A reload cannot keep them (see drafts.ts): the draft keeps their
 * names, and the composer lists those it no longer has.
 */
const attached = new Map<string, Pending[]>();
const sameFile = (a: DraftFile, b: Pending) => a.name === b.fileName && a.size === b.size;

const readBase64 = (f: File) =>
  new Promise<string>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });

export function Composer({ ticket, recipients = null }: { ticket: TicketDetail; recipients?: Recipients | null }) {
  const s = useStore();
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  const [files, setFilesState] = useState<Pending[]>([]);
  /** Files of the kept draft this page does not have (attached before a reload or a new sign-in). */
  const [dropped, setDropped] = useState<DraftFile[]>([]);
  const [cannedIndex, setCannedIndex] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const userId = s.me?.id ?? '';
  const heldKey = `${userId}.${ticket.id}`;
  /** The ticket the composer shows now (a send that fails after the agent moved on must not fill the next one's box). */
  const shown = useRef(ticket.id);
  // The text typed so far, kept per ticket (drafts.ts) so that another ticket or a reload does not lose it. A
  // send not confirmed yet keeps its key while the box still holds its text; any change makes it a new text.
  const persist = (p: { text?: string; mode?: 'reply' | 'note'; files?: Pending[]; dropped?: DraftFile[] }) => {
    const list = [...(p.files ?? files).map((f) => ({ name: f.fileName, size: f.size })), ...(p.dropped ?? dropped)];
    const next = p.text ?? text;
    const m = p.mode ?? mode;
    const pending = readDraft(userId, ticket.id)?.pending;
    const keep = pending && pending.text === next.trim() && pending.mode === m;
    writeDraft(userId, ticket.id, { text: next, mode: m, ...(list.length ? { files: list } : {}), ...(keep ? { pending } : {}) });
  };
  const edit = (next: string, m: 'reply' | 'note' = mode) => {
    setText(next);
    persist({ text: next, mode: m });
  };
  const switchMode = (m: 'reply' | 'note') => {
    setMode(m);
    persist({ mode: m });
  };
  const setFiles = (list: Pending[]) => {
    setFilesState(list);
    if (list.length) attached.set(heldKey, list);
    else attached.delete(heldKey);
    // A file attached again is no longer missing.
    const still = dropped.filter((d) => !list.some((f) => sameFile(d, f)));
    setDropped(still);
    persist({ files: list, dropped: still });
  };
  const dismissDropped = () => {
    setDropped([]);
    persist({ dropped: [] });
  };

  useEffect(() => {
    const onCompose = (e: Event) => {
      switchMode((e as CustomEvent<'reply' | 'note'>).detail);
      area.current?.focus();
    };
    window.addEventListener('ponte:compose', onCompose);
    return () => window.removeEventListener('ponte:compose', onCompose);
  });

  // The agent's own pick of recipient (null: the default, the customer who wrote last).
  const [chosen, setChosen] = useState<string | null>(null);
  const recipientId = recipients ? (chosen && recipients.items.some((r) => r.id === chosen) ? chosen : recipients.defaultId) : undefined;

  useEffect(() => {
    shown.current = ticket.id;
    const draft = readDraft(userId, ticket.id);
    // A send the server never confirmed (a reload mid-send) comes back into the box: Send again reuses its key.
    const unconfirmed = !draft?.text.trim() ? draft?.pending : undefined;
    setText(unconfirmed?.text ?? draft?.text ?? '');
    const held = attached.get(`${userId}.${ticket.id}`) ?? [];
    setFilesState(held);
    setDropped((draft?.files ?? []).filter((d) => !held.some((f) => sameFile(d, f))));
    setChosen(null);
    // A note started on one ticket must not turn the next ticket's first answer into a note (or the reverse).
    setMode(unconfirmed?.mode ?? draft?.mode ?? 'reply');
  }, [ticket.id]);

  // Platforms that take replies only for a while after the customer wrote (Messenger): told before sending.
  const [replyWindow, setReplyWindow] = useState<ReplyWindow | null>(null);
  useEffect(() => {
    setReplyWindow(null);
    if (ticket.channel !== 'messenger') return;
    let live = true;
    api
      .get<{ channelWindow: ReplyWindow | null }>(`/tickets/${ticket.id}/reply-window`)
      .then((r) => live && setReplyWindow(r.channelWindow))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [ticket.id, ticket.lastMessageAt]);
  const replyBlocked = mode === 'reply' && replyWindow !== null && !replyWindow.canReply;

  // `/short` at the caret opens the canned responses.
  const slash = /(^|\s)\/([\w-]*)$/.exec(text.slice(0, area.current?.selectionStart ?? text.length));
  const matches = useMemo(() => (slash ? s.canned.filter((c) => c.shortcut.startsWith(slash[2]!.toLowerCase())).slice(0, 8) : []), [slash?.[2], s.canned]);

  // The same variables, filled the same way, as when the server sends a canned response (template-vars.ts).
  const vars = () => cannedVars({ contact: ticket.contact, ticket, agent: s.me ? { name: s.me.name } : undefined });

  const insertCanned = (i: number) => {
    const c = matches[i];
    if (!c || !slash) return;
    const caret = area.current?.selectionStart ?? text.length;
    const start = caret - slash[2]!.length - 1;
    const next = text.slice(0, start) + renderTemplate(c.body, vars()) + text.slice(caret);
    edit(next);
    setCannedIndex(0);
    requestAnimationFrame(() => area.current?.focus());
  };

  const send = async () => {
    const body = text.trim();
    if (!body) return;
    const tempId = `temp-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const optimistic: Message = {
      id: tempId,
      tempId,
      ticketId: ticket.id,
      channel: ticket.channel,
      direction: mode === 'reply' ? 'outbound' : 'internal',
      kind: mode === 'reply' ? 'message' : 'note',
      authorName: s.me?.name ?? '',
      authorType: 'agent',
      text: body,
      quotedText: null,
      hasHtml: false,
      threadReason: null,
      automated: false,
      subjectChanged: false,
      attachments: files.map((f, i) => ({ blobId: `pending-${i}`, fileName: f.fileName, mimeType: f.mimeType, size: f.size })),
      deliveryStatus: mode === 'reply' ? 'queued' : 'none',
      ...(mode === 'reply' && recipientId && recipientId !== ticket.id ? { recipientId } : {}),
      occurredAt: new Date().toISOString(),
      pending: 'sending',
    };
    const thread = store.thread(ticket.id);
    thread.set(tempId, optimistic);
    store.changed();
    const to = mode === 'reply' && recipientId ? { recipientId } : {};
    const filesSent = files.map((f) => `${f.fileName}:${f.mimeType}:${f.size}`).join('|');
    // The same text (mode, recipient, files) sent again — after a failure or a reload mid-send — under the key
    // it was first sent with: if that send was stored after all, the server answers with it instead of a copy.
    const kept = readDraft(userId, ticket.id)?.pending;
    const same = kept && kept.text === body && kept.mode === mode && kept.recipientId === to.recipientId && (kept.files ?? '') === filesSent;
    const pending: PendingSend = same ? kept : { clientMessageId: newClientMessageId(), text: body, mode, ...to, ...(filesSent ? { files: filesSent } : {}) };
    // The box empties, the text stays kept with its key until the server confirms it.
    const sentFiles = files;
    setText('');
    setFilesState([]);
    setDropped([]);
    attached.delete(heldKey);
    writeDraft(userId, ticket.id, { text: '', mode, pending });
    const attachments = files.map(({ fileName, mimeType, contentBase64 }) => ({ fileName, mimeType, contentBase64 }));
    typing(ticket.id, mode, false, recipientId);
    activity(ticket.id, 'viewing');
    try {
      const stored = await api.post<Message>(`/tickets/${ticket.id}/${mode === 'reply' ? 'reply' : 'note'}`, { text: body, attachments, ...to, clientMessageId: pending.clientMessageId });
      thread.delete(tempId);
      store.addMessage(stored);
      // Confirmed: the kept text and its key are done with (what the agent typed since stays).
      const d = readDraft(userId, ticket.id);
      if (d?.pending?.clientMessageId === pending.clientMessageId) writeDraft(userId, ticket.id, { text: d.text, mode: d.mode, ...(d.files ? { files: d.files } : {}) });
    } catch (err) {
      thread.set(tempId, { ...optimistic, pending: 'failed', delivery: { lastError: err instanceof ApiError ? err.message : String(err) } });
      store.changed();
      // Not sent: the text goes back into the box and the kept draft, with its key (a 401 reloads into the
      // sign-in page), so sending again is one click and cannot send it twice; unless the agent has started
      // the next answer meanwhile. The files too: they are still in this page.
      if (!readDraft(userId, ticket.id)?.text.trim()) {
        if (shown.current === ticket.id) {
          setText((current) => current || text);
          setFilesState(sentFiles);
        }
        if (sentFiles.length) attached.set(heldKey, sentFiles);
        writeDraft(userId, ticket.id, { text, mode, pending, ...(sentFiles.length ? { files: sentFiles.map((f) => ({ name: f.fileName, size: f.size })) } : {}) });
      }
    }
  };

  const onKey = (e: KeyboardEvent) => {
    if (matches.length) {
      if (e.key === 'ArrowDown') return (e.preventDefault(), setCannedIndex((cannedIndex + 1) % matches.length));
      if (e.key === 'ArrowUp') return (e.preventDefault(), setCannedIndex((cannedIndex - 1 + matches.length) % matches.length));
      if ((e.key === 'Enter' && !e.ctrlKey && !e.metaKey) || e.key === 'Tab') return (e.preventDefault(), insertCanned(cannedIndex));
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    }
    if (e.key === 'Escape') area.current?.blur();
  };

  const addFiles = async (list: FileList | null) => {
    const picked: Pending[] = [];
    for (const f of Array.from(list ?? [])) {
      if (f.size > 25 * 1024 * 1024) {
        store.flash(`${t('attachmentTooLarge')}: ${f.name}`);
        continue;
      }
      picked.push({ fileName: f.name, mimeType: f.type || 'application/octet-stream', size: f.size, contentBase64: await readBase64(f) });
    }
    setFiles([...files, ...picked]);
  };

  return (
    <div class={`composer ${mode}`} data-testid="composer">
      <div class="composer-tabs" role="tablist">
        <button role="tab" aria-selected={mode === 'reply'} class={mode === 'reply' ? 'active' : ''} data-testid="mode-reply" onClick={() => switchMode('reply')}>
          {t('reply')}
        </button>
        <button role="tab" aria-selected={mode === 'note'} class={mode === 'note' ? 'active' : ''} data-testid="mode-note" onClick={() => switchMode('note')}>
          🔒 {t('note')}
        </button>
      </div>
      {mode === 'reply' && (ticket.channel === 'sms' || ticket.channel === 'voice') && ticket.contact?.optedOut?.sms ? (
        <div class="composer-warning" role="alert" data-testid="opted-out-warning">
          ⚠ {t('optedOutSms', { at: new Date(ticket.contact.optedOut.sms).toLocaleString() })}
        </div>
      ) : null}
      {mode === 'reply' && recipients && recipientId ? <RecipientPicker
          recipients={recipients}
          value={recipientId}
          onChange={(id) => {
            // The customer typed to so far stops seeing "typing…".
            typing(ticket.id, mode, false, recipientId);
            setChosen(id);
          }}
        /> : null}
      {slash && s.canned.length === 0 ? <CannedEmptyHint /> : null}
      {matches.length ? (
        <ul class="canned-menu" role="listbox">
          {matches.map((c, i) => (
            <li role="option" aria-selected={i === cannedIndex} class={i === cannedIndex ? 'active' : ''} onMouseDown={(e) => (e.preventDefault(), insertCanned(i))}>
              <strong>/{c.shortcut}</strong> <span>{c.title}</span>
              <div class="muted">{c.body.slice(0, 90)}</div>
            </li>
          ))}
        </ul>
      ) : null}
      {mode === 'reply' && replyWindow && !replyWindow.open ? (
        <div
          class={`reply-window ${replyWindow.canReply ? 'tagged' : 'closed'}`}
          role="status"
          data-testid="reply-window"
        >
          {t(replyWindow.canReply ? 'windowTagged' : 'windowClosed', { detail: replyWindow.detail ?? '' })}
        </div>
      ) : null}
      <textarea
        ref={area}
        data-testid="composer-input"
        dir="auto"
        value={text}
        placeholder={mode === 'reply' ? t('replyPlaceholder') : t('notePlaceholder')}
        onInput={(e) => {
          const v = e.currentTarget.value;
          edit(v);
          setCannedIndex(0);
          typing(ticket.id, mode, v.length > 0, recipientId);
          activity(ticket.id, v ? (mode === 'reply' ? 'replying' : 'noting') : 'viewing');
        }}
        onKeyDown={onKey}
        rows={4}
      />
      {dropped.length ? (
        <div class="composer-warning" role="alert" data-testid="dropped-files">
          ⚠ {t('filesDropped', { files: dropped.map((f) => `${f.name} (${fileSize(f.size)})`).join(', ') })}{' '}
          <button class="link" data-testid="dropped-files-dismiss" onClick={dismissDropped}>
            {t('filesDroppedDismiss')}
          </button>
        </div>
      ) : null}
      {files.length ? (
        <div class="pending-files" data-testid="pending-files">
          {files.map((f, i) => (
            <span class="chip">
              📎 {f.fileName} <span class="muted">{fileSize(f.size)}</span>
              <button class="link" aria-label="remove" onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                ×
              </button>
            </span>
          ))}
        </div>
      ) : null}
      <div class="composer-bar">
        <input ref={fileInput} type="file" multiple hidden onChange={(e) => void addFiles(e.currentTarget.files)} />
        <button class="btn ghost" onClick={() => fileInput.current?.click()}>
          📎 {t('attach')}
        </button>
        <span class="hint">Ctrl+Enter</span>
        <span class="spacer" />
        <button
          class={`btn ${mode === 'reply' ? 'primary' : 'warn'}`}
          data-testid="send"
          disabled={!text.trim() || replyBlocked}
          onClick={() => void send()}
        >
          {mode === 'reply' ? t('send') : t('addNote')}
        </button>
      </div>
    </div>
  );
}
