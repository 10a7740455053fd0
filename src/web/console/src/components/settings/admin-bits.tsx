import { at } from '../../admin-i18n.ts';
import { CopyField } from './bits.tsx';

/** A one-time invite or reset link, shown once with a copy button (the server keeps only its hash). */
export function OneTimeLink({ link, name }: { link: { path: string; expiresAt: string }; name: string }) {
  return (
    <div class="settings-card one-time-link" data-testid="one-time-link">
      <p>{at('linkReady', { name, until: new Date(link.expiresAt).toLocaleString() })}</p>
      <CopyField value={location.origin + link.path} testid="link-url" />
    </div>
  );
}
