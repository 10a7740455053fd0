import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { t } from '../i18n.ts';
import { rt } from '../reports-i18n.ts';

type ReportsModule = typeof import('./Reports.tsx');
let loaded: Promise<ReportsModule> | null = null;

/**
 * The reports page and its chart library (uPlot, ~50 KB) load on first visit: agents, who rarely open
 * reports, keep a first load without them.
 */
export function LazyReports({ tab }: { tab: string }): JSX.Element {
  const [mod, setMod] = useState<ReportsModule | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    loaded ??= import('./Reports.tsx');
    loaded.then(setMod, () => {
      loaded = null;
      setFailed(true);
    });
  }, []);
  if (failed) return <div class="reports-loading">{rt('loadFailed')}</div>;
  if (!mod) return <div class="reports-loading">{t('loading')}</div>;
  return <mod.Reports tab={tab} />;
}
