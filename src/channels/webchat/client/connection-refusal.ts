/**
 * The `/visitor` handshake refused for too many live sockets (server: visitor-socket-caps.ts). Socket.IO does
 * not retry a refused handshake by itself: the page says why and tries again after the server's hint, spread
 * a little so the tabs refused together do not come back together.
 */
export type RefusalLang = 'en' | 'pt' | 'es';

const TEXTS: Record<RefusalLang, { visitor: string; address: string }> = {
  en: { visitor: 'This chat is open in too many tabs — close one and this one reconnects', address: 'Too many chats from your network right now — reconnecting shortly' },
  pt: { visitor: 'Este chat está aberto em abas demais — feche uma e esta se reconecta', address: 'Muitos chats da sua rede agora — reconectando em instantes' },
  es: { visitor: 'Este chat está abierto en demasiadas pestañas — cierra una y esta se reconecta', address: 'Demasiados chats desde tu red ahora — reconectando en breve' },
};

/** What to show and when to try again, or null when the error is not this refusal. */
export function connectionRefusal(err: unknown, lang: RefusalLang, random = Math.random()): { text: string; retryInMs: number } | null {
  const data = (err as { data?: { code?: unknown; scope?: unknown; retryAfterSeconds?: unknown } } | null)?.data;
  if (!data || data.code !== 'TOO_MANY_CONNECTIONS') return null;
  const scope = data.scope === 'address' ? 'address' : 'visitor';
  const seconds = typeof data.retryAfterSeconds === 'number' && data.retryAfterSeconds > 0 ? Math.min(data.retryAfterSeconds, 300) : 30;
  return { text: TEXTS[lang][scope], retryInMs: Math.round(seconds * 1000 * (1 + random / 2)) };
}
