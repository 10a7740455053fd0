import { at } from '../../admin-i18n.ts';
import { useStore } from '../../store.ts';

/** Typing `/` with no canned response defined says where to add one (agents: their own, in the profile). */
export function CannedEmptyHint() {
  const s = useStore();
  const manager = s.me?.role !== 'agent';
  return (
    <div class="canned-menu canned-empty" role="status" data-testid="canned-empty">
      {manager ? at('cannedEmptyManager') : at('cannedEmptyAgent')}{' '}
      <a class="link" href={manager ? '#/settings/canned' : '#/profile'}>
        {at('addCanned')}
      </a>
    </div>
  );
}
