import { ApiError } from '../../api.ts';
import { at } from '../../admin-i18n.ts';
import { CopyField } from './bits.tsx';

/** An API error as one line, with the first field problem when the server named one. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.issues.length ? `${err.message}: ${err.issues.map((i) => `${i.path} ${i.message}`).join('; ')}` : err.message;
  return (err as Error).message;
}

/** A one-time invite or reset link, shown once with a copy button (the server keeps only its hash). */
export function OneTimeLink({ link, name }: { link: { path: string; expiresAt: string }; name: string }) {
  return (
    <div class="settings-card one-time-link" data-testid="one-time-link">
      <p>{at('linkReady', { name, until: new Date(link.expiresAt).toLocaleString() })}</p>
      <CopyField value={location.origin + link.path} testid="link-url" />
    </div>
  );
}
