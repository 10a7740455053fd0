/** The web chat's rating card: five buttons and an optional comment, after a solved ticket's question. */

type Lang = 'en' | 'pt' | 'es';
const T = {
  en: { ask: 'How would you rate our help?', comment: 'Add a comment (optional)', send: 'Send rating', thanks: 'Thank you! You rated {r} of 5.', change: 'Change', failed: 'Not sent — try again' },
  pt: { ask: 'Como avalia o nosso atendimento?', comment: 'Deixe um comentário (opcional)', send: 'Enviar avaliação', thanks: 'Obrigado! Avaliou com {r} de 5.', change: 'Alterar', failed: 'Não enviada — tente de novo' },
  es: { ask: '¿Cómo valora nuestra atención?', comment: 'Deje un comentario (opcional)', send: 'Enviar valoración', thanks: '¡Gracias! Valoró con {r} de 5.', change: 'Cambiar', failed: 'No enviada — inténtelo de nuevo' },
} satisfies Record<Lang, Record<string, string>>;

export interface CsatState {
  ticketNumber: number;
  rating: number | null;
}

/** Draws the card into `host` (replacing it); `submit` posts the answer and resolves with the rating recorded. */
export function renderCsatCard(host: HTMLElement, lang: Lang, state: CsatState | null, submit: (rating: number, comment: string) => Promise<void>) {
  const t = T[lang];
  host.replaceChildren();
  host.hidden = !state;
  if (!state) return;
  const card = document.createElement('div');
  card.className = 'csat';
  card.dataset.testid = 'csat-card';
  host.append(card);
  if (state.rating) {
    const done = document.createElement('p');
    done.dataset.testid = 'csat-thanks';
    done.textContent = t.thanks.replace('{r}', String(state.rating));
    const again = document.createElement('button');
    again.type = 'button';
    again.className = 'link';
    again.textContent = t.change;
    again.onclick = () => renderCsatCard(host, lang, { ...state, rating: null }, submit);
    card.append(done, again);
    return;
  }
  const ask = document.createElement('p');
  ask.textContent = t.ask;
  const row = document.createElement('div');
  row.className = 'csat-row';
  row.setAttribute('role', 'radiogroup');
  let chosen = 0;
  const buttons = [1, 2, 3, 4, 5].map((r) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = String(r);
    b.dataset.testid = `csat-${r}`;
    b.setAttribute('role', 'radio');
    b.setAttribute('aria-checked', 'false');
    b.onclick = () => {
      chosen = r;
      for (const x of buttons) x.setAttribute('aria-checked', String(x === b));
      send.disabled = false;
    };
    return b;
  });
  row.append(...buttons);
  const comment = document.createElement('textarea');
  comment.rows = 2;
  comment.maxLength = 2000;
  comment.placeholder = t.comment;
  comment.setAttribute('aria-label', t.comment);
  comment.dataset.testid = 'csat-comment';
  const send = document.createElement('button');
  send.type = 'button';
  send.className = 'csat-send';
  send.textContent = t.send;
  send.disabled = true;
  send.dataset.testid = 'csat-send';
  const status = document.createElement('p');
  status.className = 'meta';
  send.onclick = () => {
    send.disabled = true;
    submit(chosen, comment.value.trim())
      .then(() => renderCsatCard(host, lang, { ...state, rating: chosen }, submit))
      .catch(() => {
        status.textContent = t.failed;
        send.disabled = false;
      });
  };
  card.append(ask, row, comment, send, status);
}
