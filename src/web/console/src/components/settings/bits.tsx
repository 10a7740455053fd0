import { useMemo, useState } from 'preact/hooks';
import { encode } from 'uqr';
import { t, type Key } from '../../i18n.ts';
import type { InboxHealth } from '../../types.ts';

export function HealthDot({ health }: { health: InboxHealth }) {
  return (
    <span class="health" data-testid="health" data-status={health.status}>
      <span class={`health-dot ${health.status}`} />
      {t(`h_${health.status}` as Key)}
    </span>
  );
}

/** Clipboard API where allowed (https, localhost), else the old select-and-copy. */
async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

/** A read-only value with a copy button (webhook URL, widget snippet). */
export function CopyField({ value, testid, multiline }: { value: string; testid: string; multiline?: boolean }) {
  const [copied, setCopied] = useState(false);
  const copy = () =>
    void copyText(value).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    });
  return (
    <div class="copy-field">
      {multiline ? (
        <textarea readOnly rows={3} value={value} data-testid={testid} onFocus={(e) => e.currentTarget.select()} />
      ) : (
        <input readOnly value={value} data-testid={testid} onFocus={(e) => e.currentTarget.select()} />
      )}
      <button type="button" class="btn small" data-testid={`${testid}-copy`} onClick={copy}>
        {copied ? `✓ ${t('copied')}` : t('copy')}
      </button>
    </div>
  );
}

/** A QR code as SVG (uqr: a dependency-free encoder of a few KB), one path of dark modules. */
export function QrCode({ text, size = 220 }: { text: string; size?: number }) {
  const { path, n } = useMemo(() => {
    const qr = encode(text, { ecc: 'L', border: 2 });
    let d = '';
    qr.data.forEach((row, y) => row.forEach((dark, x) => dark && (d += `M${x} ${y}h1v1h-1z`)));
    return { path: d, n: qr.size };
  }, [text]);
  return (
    <svg class="qr" data-testid="qr" width={size} height={size} viewBox={`0 0 ${n} ${n}`} shape-rendering="crispEdges" role="img" aria-label="QR">
      <rect width={n} height={n} fill="#fff" />
      <path d={path} fill="#111827" />
    </svg>
  );
}
