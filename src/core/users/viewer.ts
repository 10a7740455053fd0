import type { UserRole } from '../models/user.js';

/** The authenticated user as services see it; visibility is decided from this. */
export interface Viewer {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  departmentIds: string[];
}

export const seesAllTickets = (v: Viewer) => v.role === 'admin' || v.role === 'supervisor';
