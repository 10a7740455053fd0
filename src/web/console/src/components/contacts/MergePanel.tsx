import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../../api.ts';
import { at } from '../../admin-i18n.ts';
import { clock } from '../../i18n.ts';
import { errorText } from '../../error-text.ts';
import type { ContactFull } from './contact-types.ts';

export interface MergeRecord {
  id: string;
  sourceId: string;
  targetId: string;
  identities: string[];
  ticketIds: string[];
  by: string | null;
  at: string;
  undoneAt: string | null;
}
interface Preview {
  source: ContactFull;
  target: ContactFull;
  identities: string[];
  tickets: Array<{ id: string; number: number; subject: string }>;
}
const label = (c: ContactFull) => c.name ?? c.email ?? c.phone ?? c.identities[0] ?? c.id;

/**
 * Merge this contact into another: find the one to keep, see what moves (identities, tickets), confirm;
 * the merges this contact took part in are listed with an undo.
 */
export function MergePanel({ contact, merges, onChanged }: { contact: ContactFull; merges: MergeRecord[]; onChanged: () => Promise<void> }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<ContactFull[]>([]);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [message, setMessage] = useState<{ text: string; mergeId?: string; targetId?: string } | null>(null);

  useEffect(() => {
    if (!q.trim()) return setFound([]);
    const timer = setTimeout(() => {
      void api
        .get<{ items: ContactFull[] }>(`/contacts${qs({ q: q.trim(), limit: 8 })}`)
        .then((r) => setFound(r.items.filter((c) => c.id !== contact.id)))
        .catch(() => setFound([]));
    }, 250);
    return () => clearTimeout(timer);
  }, [q]);

  const run = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      setMessage({ text: errorText(err) });
    }
  };
  const choose = (target: ContactFull) => run(async () => setPreview(await api.get<Preview>(`/contacts/${contact.id}/merge-preview${qs({ targetId: target.id })}`)));
  const merge = () =>
    run(async () => {
      const target = preview!.target;
      const res = await api.post<{ mergeId: string }>(`/contacts/${contact.id}/merge`, { targetId: target.id });
      setPreview(null);
      setQ('');
      setMessage({ text: at('merged', { target: label(target) }), mergeId: res.mergeId, targetId: target.id });
      await onChanged();
    });
  const undo = (mergeId: string) =>
    run(async () => {
      await api.post(`/contact-merges/${mergeId}/undo`);
      setMessage({ text: at('undone') });
      if (location.hash !== `#/contacts/${contact.id}`) location.hash = `#/contacts/${contact.id}`;
      await onChanged();
    });

  return (
    <div class="settings-card merge-panel" data-testid="merge-panel">
      <h2>{at('mergeInto')}</h2>
      {message ? (
        <p class="form-ok" role="status" data-testid="merge-message">
          {message.text}{' '}
          {message.mergeId ? (
            <button class="btn small" data-testid="undo-merge" onClick={() => void undo(message.mergeId!)}>
              {at('undo')}
            </button>
          ) : null}
        </p>
      ) : null}
      {/* A merged-away contact cannot merge again, but keeps its undo (message and history). */}
      {contact.mergedInto ? null : (
        <input type="search" data-testid="merge-search" placeholder={at('mergeSearch')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      )}
      <ul class="merge-candidates">
        {found.map((c) => (
          <li>
            <button class="link" data-testid="merge-candidate" onClick={() => void choose(c)}>
              {label(c)} <span class="muted">{c.identities.join(' · ')}</span>
            </button>
          </li>
        ))}
      </ul>
      {preview ? (
        <div class="merge-preview" data-testid="merge-preview">
          <h3>{at('mergePreview', { target: label(preview.target) })}</h3>
          <p>{at('mergeMoves', { identities: preview.identities.length, tickets: preview.tickets.length, source: label(preview.source) })}</p>
          <ul>
            {preview.identities.map((i) => (
              <li>
                <code>{i}</code>
              </li>
            ))}
            {preview.tickets.map((tk) => (
              <li>
                #{tk.number} {tk.subject}
              </li>
            ))}
          </ul>
          <div class="form-bar">
            <button class="btn primary" data-testid="confirm-merge" onClick={() => void merge()}>
              {at('mergeConfirm')}
            </button>
            <button class="btn ghost" onClick={() => setPreview(null)}>
              {at('cancel')}
            </button>
          </div>
        </div>
      ) : null}
      {merges.length ? (
        <>
          <h3>{at('mergeHistory')}</h3>
          <ul class="merge-history" data-testid="merge-history">
            {merges.map((m) => (
              <li>
                {clock(m.at)} · {m.by ?? ''} · {m.identities.join(', ')} · {m.ticketIds.length} {at('tickets').toLowerCase()}{' '}
                {m.undoneAt ? <span class="pill st-closed">{at('undone').split(':')[0]}</span> : (
                  <button class="btn small" data-testid="history-undo" onClick={() => void undo(m.id)}>
                    {at('undo')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
