import { t } from './i18n.ts';
import { sessionEnded } from './session-end.ts';

/** JSON over fetch with the session cookie; errors carry the API's stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field-level problems of a 400 (`{ path, message }`, path like `settings.imap.port`). */
    readonly issues: Array<{ path: string; message: string }> = [],
    /** The error's other details (e.g. CONVERSATION_OPEN: `ticketId`, `number`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    // fetch's own "Failed to fetch" told the agent nothing; status 0: no answer at all.
    throw new ApiError(0, 'NETWORK', t('networkDown'));
  }
  if (res.status === 204) return undefined as T;
  // `/auth/*` answers 401 by design (wrong password, no session yet); anywhere else it means the session ended.
  if (res.status === 401 && !path.startsWith('/auth/')) sessionEnded();
  type Body = { error?: { code: string; message: string; details?: { issues?: Array<{ path: string; message: string }> } & Record<string, unknown> } };
  const data = (await res.json().catch(() => ({}))) as Body;
  const err = data.error;
  if (!res.ok) throw new ApiError(res.status, err?.code ?? 'HTTP_' + res.status, err?.message ?? res.statusText, err?.details?.issues ?? [], err?.details ?? {});
  return data as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
  delete: <T = void>(path: string) => call<T>('DELETE', path),
};

export const qs = (params: Record<string, string | number | undefined | null>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const out = s.toString();
  return out ? `?${out}` : '';
};
