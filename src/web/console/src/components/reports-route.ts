import { useEffect, useState } from 'preact/hooks';

/** `#/reports`, `#/reports/agents`, `#/reports/live`: the reports area replaces the ticket workspace. */
export function useReportsRoute(): string | null {
  const read = () => /^#\/reports(?:\/(\w+))?/.exec(location.hash);
  const [m, setM] = useState(read());
  useEffect(() => {
    const on = () => setM(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return m ? (m[1] ?? 'channels') : null;
}
