import { useEffect, useState } from 'preact/hooks';
import { rot } from '../../routing-i18n.ts';
import { useStore } from '../../store.ts';
import { routingApi } from './routing-api.ts';

/** Header switch: available ↔ away for automatic assignment (offline is shown when the server sees no console). */
export function AvailabilityToggle() {
  const [state, setState] = useState<'available' | 'away' | 'offline' | null>(null);
  const me = useStore().me?.id;
  useEffect(() => {
    void routingApi.availability().then((r) => setState(r.availability), () => undefined);
    // The server announces every change (this console connecting, another tab's toggle, going offline).
    const onChange = (e: Event) => {
      const d = (e as CustomEvent<{ userId: string; availability: 'available' | 'away' | 'offline' }>).detail;
      if (d.userId === me) setState(d.availability);
    };
    window.addEventListener('ponte:availability', onChange);
    return () => window.removeEventListener('ponte:availability', onChange);
  }, [me]);
  if (!state) return null;
  const next = state === 'available' ? 'away' : 'available';
  return (
    <button
      class={`btn small availability ${state}`}
      title={rot('availabilityTitle')}
      data-testid="availability-toggle"
      data-state={state}
      onClick={() => void routingApi.setAvailability(next).then((r) => setState(r.availability), () => undefined)}
    >
      <span class={`dot ${state}`} aria-hidden="true" style={{ color: state === 'available' ? '#16a34a' : state === 'away' ? '#d97706' : '#9ca3af' }}>
        ●
      </span> {rot(state)}
    </button>
  );
}
