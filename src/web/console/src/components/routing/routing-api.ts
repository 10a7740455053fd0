import { api, ApiError } from '../../api.ts';

/** PUT is not in the shared api helper; routing settings replace whole documents. */
export async function put<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`/api${path}`, { method: 'PUT', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const data = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string; details?: { issues?: Array<{ path: string; message: string }> } } };
  if (!res.ok) throw new ApiError(res.status, data.error?.code ?? `HTTP_${res.status}`, data.error?.message ?? res.statusText, data.error?.details?.issues ?? []);
  return data as T;
}

export interface RuleView {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  conditions: { inboxIds: string[]; channels: string[]; keywords: string[]; contactTags: string[] };
  actions: { departmentId?: string; priority?: string; type?: string; tags: string[]; requiredSkills: string[]; cannedResponseId?: string };
}

export const routingApi = {
  rules: () => api.get<{ items: RuleView[] }>('/routing-rules'),
  create: (body: unknown) => api.post<RuleView>('/routing-rules', body),
  update: (id: string, body: unknown) => put<RuleView>(`/routing-rules/${id}`, body),
  remove: (id: string) => api.delete(`/routing-rules/${id}`),
  reorder: (ids: string[]) => put<{ items: RuleView[] }>('/routing-rules/order', { ids }),
  assignment: (departmentId: string) => api.get<{ mode: string; capacity: { chat: number; email: number }; overflowDepartmentId: string | null; overflowAfterMinutes: number | null }>(`/departments/${departmentId}/assignment`),
  setAssignment: (departmentId: string, body: unknown) => put(`/departments/${departmentId}/assignment`, body),
  availability: () => api.get<{ availability: 'available' | 'away' | 'offline' }>('/me/availability'),
  setAvailability: (availability: 'available' | 'away') => put<{ availability: 'available' | 'away' | 'offline' }>('/me/availability', { availability }),
};
