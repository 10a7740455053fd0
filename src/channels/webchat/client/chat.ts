import { io } from 'socket.io-client';
import { renderCsatCard, type CsatState } from './csat-card.js';
import { connectionRefusal } from './connection-refusal.js';
import { formatSize, pickerTexts, StagedFiles, uploadErrorText, type UploadLimits, type UploadRefusal } from './file-picker.js';

/** The customer side of the website chat. Plain DOM; texts in EN/PT/ES by the browser's language. */

type Lang = 'en' | 'pt' | 'es';
const T = {
  en: { placeholder: 'Type your message…', send: 'Send', intro: 'Introduce yourself (optional)', name: 'Name', email: 'Email', ticket: 'Ticket', typing: 'Support is typing…', sending: 'Sending…', failed: 'Not sent — tap to retry', busy: 'Too many chats are starting right now — please try again shortly (tap to retry)', offline: 'Reconnecting…', online: '', you: 'You', support: 'Support', replyTime: 'We usually reply in a few minutes', queue: 'You are number {n} in the queue', wait: 'about {m} min', title: 'Chat with us', greeting: 'Hi! How can we help you today?', solved: 'This conversation was marked solved — write again to reopen' },
  pt: { placeholder: 'Escreva sua mensagem…', send: 'Enviar', intro: 'Apresente-se (opcional)', name: 'Nome', email: 'E-mail', ticket: 'Chamado', typing: 'O suporte está digitando…', sending: 'Enviando…', failed: 'Não enviada — toque para tentar de novo', busy: 'Muitas conversas começando agora — tente de novo em instantes (toque para reenviar)', offline: 'Reconectando…', online: '', you: 'Você', support: 'Suporte', replyTime: 'Costumamos responder em poucos minutos', queue: 'Você é o número {n} na fila', wait: 'cerca de {m} min', title: 'Fale conosco', greeting: 'Olá! Como podemos ajudar você hoje?', solved: 'Esta conversa foi marcada como resolvida — escreva de novo para reabrir' },
  es: { placeholder: 'Escribe tu mensaje…', send: 'Enviar', intro: 'Preséntate (opcional)', name: 'Nombre', email: 'Correo', ticket: 'Ticket', typing: 'Soporte está escribiendo…', sending: 'Enviando…', failed: 'No enviado — toca para reintentar', busy: 'Muchas conversaciones empiezan ahora — inténtalo de nuevo en un momento (toca para reintentar)', offline: 'Reconectando…', online: '', you: 'Tú', support: 'Soporte', replyTime: 'Solemos responder en pocos minutos', queue: 'Eres el número {n} en la cola', wait: 'unos {m} min', title: 'Chatea con nosotros', greeting: '¡Hola! ¿Cómo podemos ayudarte hoy?', solved: 'Esta conversación se marcó como resuelta — escribe de nuevo para reabrirla' },
} satisfies Record<Lang, Record<string, string>>;
const lang: Lang = (['pt', 'es'] as const).find((l) => navigator.language.toLowerCase().startsWith(l)) ?? 'en';
const t = T[lang];

interface Msg {
  key: string;
  id?: string;
  clientId?: string;
  direction: 'inbound' | 'outbound';
  text: string;
  at: string;
  state: 'sending' | 'sent' | 'failed' | 'delivered';
  /** The agent who answered (outbound only; none for Ponte's own messages). */
  authorName?: string | null;
  /** Refused because too many new chats are starting (429 CHAT_BUSY): the visitor is told to try again shortly. */
  busy?: boolean;
  attachments: Array<{ index: number; fileName: string; mimeType: string; size: number }>;
  /** The visitor's files not stored yet (kept for a retry); shown by name and size until the stored copy replaces this one. */
  files?: File[];
  /** Why the server refused it for good (too large, not a file it takes): shown instead of "tap to retry". */
  refused?: string;
  /** Which live reply this was (counted from page load): a reply newer than a conversation read stays through it. */
  liveSeq?: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
if (params.get('embed')) document.body.classList.add('embed');
let inboxId = params.get('inbox') ?? undefined;
const messages = new Map<string, Msg>();
const staged = new StagedFiles($('files'), $('upload-error'), lang, () => undefined);
const readSent = new Set<string>();
let greeting = '';
let liveSeq = 0;

$('text').setAttribute('placeholder', t.placeholder);
$('send').textContent = t.send;
$('intro-summary').textContent = t.intro;
$('name-label').textContent = t.name;
$('email-label').textContent = t.email;
$('subtitle').textContent = t.replyTime;
const pt = pickerTexts(lang);
$('attach').setAttribute('aria-label', pt.attach);
$('attach').title = pt.attach;
$('drop-hint').textContent = pt.drop;
document.documentElement.lang = lang;

const nameInput = $<HTMLInputElement>('name');
const emailInput = $<HTMLInputElement>('email');
nameInput.value = localStorage.getItem('ponte.chat.name') ?? '';
emailInput.value = localStorage.getItem('ponte.chat.email') ?? '';
nameInput.addEventListener('change', () => localStorage.setItem('ponte.chat.name', nameInput.value.trim()));
emailInput.addEventListener('change', () => localStorage.setItem('ponte.chat.email', emailInput.value.trim()));

function uuid(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

let shownTicket: { number: number; status: string } | null = null;

function setTicket(ticket: { number: number; status: string } | null) {
  shownTicket = ticket;
  const el = $('ticket');
  // Solved: the visitor is told a new message reopens it (hidden again once it is reopened).
  const solved = $('solved');
  solved.textContent = t.solved;
  solved.hidden = ticket?.status !== 'solved';
  if (!ticket) return void (el.hidden = true);
  el.hidden = false;
  el.textContent = `${t.ticket} #${ticket.number}`;
  el.dataset.testid = 'ticket-number';
}

const time = (iso: string) => new Date(iso).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });

function render() {
  const log = $('log');
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.replaceChildren();
  if (greeting) {
    const g = document.createElement('div');
    g.className = 'bubble greeting';
    g.textContent = greeting;
    log.append(g);
  }
  const sorted = [...messages.values()].sort((a, b) => a.at.localeCompare(b.at));
  for (const m of sorted) {
    const b = document.createElement('div');
    b.className = `bubble ${m.direction === 'inbound' ? 'in' : 'out'}`;
    b.dataset.testid = m.direction === 'inbound' ? 'visitor-message' : 'agent-message';
    if (m.direction === 'outbound' && m.authorName) {
      const author = document.createElement('span');
      author.className = 'author';
      author.dataset.testid = 'agent-name';
      author.textContent = m.authorName;
      b.append(author);
    }
    if (m.text) b.append(document.createTextNode(m.text));
    for (const a of m.attachments) {
      // Stored files open from the server (this visitor's conversation only); a file still on its way has no link yet.
      const file = document.createElement(m.id ? 'a' : 'span');
      if (file instanceof HTMLAnchorElement) {
        file.href = `/chat/api/attachments/${m.id}/${a.index}${inboxId ? `?inbox=${inboxId}` : ''}`;
        file.target = '_blank';
        file.rel = 'noopener';
      }
      file.className = 'file';
      file.dataset.testid = m.id ? 'chat-attachment' : 'chat-attachment-pending';
      file.textContent = `📎 ${a.fileName}`;
      const size = document.createElement('span');
      size.className = 'size';
      size.textContent = ` · ${formatSize(a.size, lang)}`;
      file.append(size);
      b.append(file);
    }
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = m.state === 'sending' ? t.sending : m.state === 'failed' ? (m.refused ?? (m.busy ? t.busy : t.failed)) : `${time(m.at)}${m.direction === 'inbound' ? ' ✓' : ''}`;
    if (m.refused) {
      meta.dataset.testid = 'upload-refused';
      b.classList.add('refused');
    }
    if (m.state === 'failed' && !m.refused) {
      b.style.cursor = 'pointer';
      b.onclick = () => void post(m);
    }
    b.append(meta);
    log.append(b);
  }
  if (atBottom || sorted.at(-1)?.direction === 'inbound') log.scrollTop = log.scrollHeight;
  markRead();
}

function upsertServer(m: { id: string; direction: 'inbound' | 'outbound'; text: string; at: string; authorName?: string | null; providerMessageId?: string | null; attachments: Msg['attachments'] }) {
  const clientId = m.providerMessageId?.startsWith('webchat-in:') ? m.providerMessageId.slice('webchat-in:'.length) : undefined;
  if (clientId && messages.has(clientId)) messages.delete(clientId);
  messages.set(m.id, { key: m.id, id: m.id, ...(clientId ? { clientId } : {}), direction: m.direction, text: m.text, at: m.at, state: 'sent', authorName: m.authorName ?? null, attachments: m.attachments });
}

async function loadSession() {
  const readFrom = liveSeq;
  const res = await fetch(`/chat/api/session${inboxId ? `?inbox=${inboxId}` : ''}`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`session ${res.status}`);
  // Title and greeting: the inbox's own, or (null) ours in the visitor's language.
  const data = (await res.json()) as { inbox: { id: string; title: string | null; greeting: string | null }; ticket: { number: number; status: string } | null; messages: Array<Parameters<typeof upsertServer>[0]>; csat?: CsatState | null; limits?: UploadLimits };
  inboxId = data.inbox.id;
  if (data.limits) staged.limits = data.limits;
  const title = data.inbox.title ?? t.title;
  $('title').textContent = title;
  document.title = title;
  greeting = data.inbox.greeting ?? t.greeting;
  setTicket(data.ticket);
  showCsat(data.csat ?? null);
  // Server copies replace optimistic ones; unsent local messages stay, and so do replies heard live while this
  // read was on its way (the server may have answered it before they were stored).
  for (const [k, m] of messages) if (m.id && !((m.liveSeq ?? 0) > readFrom)) messages.delete(k);
  for (const m of data.messages) upsertServer(m);
  render();
  return data.inbox.id;
}

/** The fields the visitor introduced themselves with (optional). */
function introFields(): { name?: string; email?: string } {
  return {
    ...(nameInput.value.trim() ? { name: nameInput.value.trim() } : {}),
    ...(emailInput.validity.valid && emailInput.value.trim() ? { email: emailInput.value.trim() } : {}),
  };
}

/** A message with files: multipart, with the header that proves it comes from this page (no cross-site form can add it). */
function uploadRequest(m: Msg): () => Promise<Response> {
  return () => {
    const form = new FormData();
    form.append('clientMessageId', m.clientId!);
    if (m.text) form.append('text', m.text);
    for (const [k, v] of Object.entries(introFields())) form.append(k, v);
    for (const f of m.files ?? []) form.append('file', f, f.name);
    return fetch(`/chat/api/attachments${inboxId ? `?inbox=${inboxId}` : ''}`, { method: 'POST', credentials: 'same-origin', headers: { 'X-Ponte-Chat': 'upload' }, body: form });
  };
}

/** The stored copy of an upload (with its links) replaces the local one once the server has processed it. */
async function refreshUntilStored(clientId: string) {
  for (const wait of [300, 700, 1500, 3000, 6000]) {
    await new Promise((r) => setTimeout(r, wait));
    if (!messages.has(clientId)) return;
    await loadSession().catch(() => undefined);
  }
}

async function post(m: Msg) {
  m.state = 'sending';
  m.busy = false;
  delete m.refused;
  render();
  const send = m.files?.length ? uploadRequest(m) : jsonRequest(m);
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      const res = await send();
      if (res.ok) {
        if (messages.get(m.key) === m) m.state = 'sent';
        render();
        if (m.files?.length) void refreshUntilStored(m.key);
        return;
      }
      if (res.status === 429 && ((await res.json().catch(() => null)) as { error?: { code?: string } } | null)?.error?.code === 'CHAT_BUSY') {
        m.busy = true;
        break;
      }
      // Too large, or a file the server does not take: retrying the same bytes cannot help.
      if (m.files?.length && (res.status === 413 || res.status === 400)) {
        const details = ((await res.json().catch(() => null)) as { error?: { details?: UploadRefusal['details'] } } | null)?.error?.details;
        m.refused = uploadErrorText(lang, { status: res.status, ...(details ? { details } : {}) }, staged.limits);
        // The server's limits win over those the page loaded with: the next file is checked against them.
        if (res.status === 413 && details?.maxAttachmentBytes && details.maxMessageAttachmentsBytes && staged.limits) {
          staged.limits = { ...staged.limits, maxFileBytes: details.maxAttachmentBytes, maxMessageBytes: details.maxMessageAttachmentsBytes };
        }
        break;
      }
      if (res.status < 500 && res.status !== 429) break;
    } catch {
      // network: retry with the same client id (the server dedupes)
    }
    await new Promise((r) => setTimeout(r, attempt * 800));
  }
  m.state = 'failed';
  render();
}

function jsonRequest(m: Msg): () => Promise<Response> {
  const body = JSON.stringify({
    inboxId,
    clientMessageId: m.clientId,
    text: m.text,
    ...introFields(),
  });
  return () => fetch('/chat/api/messages', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body });
}

function markRead() {
  if (document.visibilityState !== 'visible') return;
  const ids = [...messages.values()].filter((m) => m.direction === 'outbound' && m.id && !readSent.has(m.id)).map((m) => m.id!);
  if (!ids.length || !socket?.connected) return;
  ids.forEach((id) => readSent.add(id));
  socket.emit('read', { ids });
}

/** A solved ticket's rating question (buttons), answered over REST with the visitor cookie. */
function showCsat(state: CsatState | null) {
  renderCsatCard($('csat'), lang, state, async (rating, comment) => {
    const res = await fetch('/chat/api/csat', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ inboxId, rating, ...(comment ? { comment } : {}) }),
    });
    if (!res.ok) throw new Error(`csat ${res.status}`);
  });
}

let socket: ReturnType<typeof io> | undefined;
let typingTimer: ReturnType<typeof setTimeout> | undefined;
let lastTypingSent = 0;

async function start() {
  const id = await loadSession();
  socket = io('/visitor', { auth: { inboxId: id }, withCredentials: true });
  socket.on('message', (reply: { id: string; text: string; at: string; ticketNumber: number; authorName?: string | null; attachments: Msg['attachments'] }, ack?: (ok: boolean) => void) => {
    ack?.(true);
    messages.set(reply.id, { key: reply.id, id: reply.id, direction: 'outbound', text: reply.text, at: reply.at, state: 'sent', authorName: reply.authorName ?? null, attachments: reply.attachments, liveSeq: ++liveSeq });
    // A reply comes from the ticket that now holds the conversation (after a merge, another number).
    if (shownTicket && reply.ticketNumber !== shownTicket.number) setTicket({ ...shownTicket, number: reply.ticketNumber });
    $('typing').hidden = true;
    render();
  });
  socket.on('csat', (c: CsatState) => showCsat(c));
  socket.on('conversation', (c: { ticket: { number: number; status: string } }) => setTicket(c.ticket));
  // Place in the queue while no agent has taken the chat; back to the usual line once one has.
  socket.on('queue', (q: { position: number | null; expectedWaitSeconds: number | null }) => {
    const el = $('subtitle');
    if (q.position === null) return void ((el.textContent = t.replyTime), delete el.dataset.testid);
    const wait = q.expectedWaitSeconds ? ` — ${t.wait.replace('{m}', String(Math.ceil(q.expectedWaitSeconds / 60)))}` : '';
    el.textContent = t.queue.replace('{n}', String(q.position)) + wait;
    el.dataset.testid = 'queue-position';
  });
  socket.on('typing', ({ typing }: { typing: boolean }) => {
    const el = $('typing');
    el.textContent = t.typing;
    el.hidden = !typing;
    clearTimeout(typingTimer);
    if (typing) typingTimer = setTimeout(() => (el.hidden = true), 8000);
  });
  // Too many live sockets (this visitor's tabs, or everyone behind the address): said, and tried again later.
  let refusedRetry: ReturnType<typeof setTimeout> | undefined;
  // Replies sent while refused went only to the visitor's other tabs (no socket here to hear or replay them),
  // and the transport never dropped, so the manager's `reconnect` below does not fire: re-read on getting in.
  let refusedSinceRead = false;
  socket.on('connect', () => {
    $('status').textContent = t.online;
    delete $('status').dataset.testid;
    clearTimeout(refusedRetry);
    if (refusedSinceRead) {
      refusedSinceRead = false;
      void loadSession().catch(() => undefined);
    }
    markRead();
  });
  socket.io.on('reconnect', () => void loadSession().catch(() => undefined));
  socket.on('connect_error', (err) => {
    const refusal = connectionRefusal(err, lang);
    if (!refusal) return;
    refusedSinceRead = true;
    const status = $('status');
    status.textContent = refusal.text;
    status.dataset.testid = 'connection-refused';
    clearTimeout(refusedRetry);
    refusedRetry = setTimeout(() => socket?.connect(), refusal.retryInMs);
  });
  socket.on('disconnect', () => ($('status').textContent = t.offline));
}

const textarea = $<HTMLTextAreaElement>('text');
textarea.addEventListener('input', () => {
  textarea.style.height = 'auto';
  textarea.style.height = `${Math.min(textarea.scrollHeight, 140)}px`;
  const now = Date.now();
  if (socket?.connected && now - lastTypingSent > 2000) {
    lastTypingSent = now;
    socket.emit('typing', { typing: textarea.value.length > 0 });
  }
});
textarea.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    $<HTMLFormElement>('composer').requestSubmit();
  }
});
$<HTMLFormElement>('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = textarea.value.trim();
  if (!text && !staged.files.length) return;
  const clientId = uuid();
  const files = staged.take();
  staged.showError('');
  const attachments = files.map((f, index) => ({ index, fileName: f.name, mimeType: f.type, size: f.size }));
  const m: Msg = { key: clientId, clientId, direction: 'inbound', text, at: new Date().toISOString(), state: 'sending', attachments, ...(files.length ? { files } : {}) };
  messages.set(clientId, m);
  textarea.value = '';
  textarea.style.height = 'auto';
  socket?.emit('typing', { typing: false });
  lastTypingSent = 0;
  void post(m);
});
document.addEventListener('visibilitychange', markRead);

// Files: the attach button, dropping them on the chat, pasting them into the message box.
const fileInput = $<HTMLInputElement>('file');
$('attach').addEventListener('click', () => fileInput.click());
fileInput.addEventListener('change', () => {
  staged.add(fileInput.files ?? []);
  fileInput.value = '';
  textarea.focus();
});
const chatEl = document.querySelector<HTMLElement>('.chat')!;
let dragDepth = 0;
chatEl.addEventListener('dragenter', (e) => {
  if (!e.dataTransfer?.types.includes('Files')) return;
  dragDepth += 1;
  chatEl.classList.add('dragging');
});
chatEl.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) chatEl.classList.remove('dragging');
});
chatEl.addEventListener('dragover', (e) => {
  if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
});
chatEl.addEventListener('drop', (e) => {
  dragDepth = 0;
  chatEl.classList.remove('dragging');
  if (!e.dataTransfer?.files.length) return;
  e.preventDefault();
  staged.add(e.dataTransfer.files);
});
textarea.addEventListener('paste', (e) => {
  if (!e.clipboardData?.files.length) return;
  e.preventDefault();
  staged.add(e.clipboardData.files);
});

start().catch(() => {
  $('status').textContent = t.offline;
  setTimeout(() => location.reload(), 5000);
});
