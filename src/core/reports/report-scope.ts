import { ForbiddenError } from '../errors/app-error.js';
import type { Viewer } from '../users/viewer.js';

/**
 * What part of the numbers a viewer may see, enforced on the server for every report and export:
 * admins everything; supervisors their departments (a supervisor with no department is an
 * organisation-wide supervisor and sees everything); agents only their own numbers (rows whose agent
 * is them).
 */
export interface ReportScope {
  depts: string[] | null;
  agent: string | null;
}

export interface ReportFilters {
  departmentId?: string | undefined;
  channel?: string | undefined;
  inboxId?: string | undefined;
  agentId?: string | undefined;
}

export function scopeFor(viewer: Viewer): ReportScope {
  if (viewer.role === 'admin') return { depts: null, agent: null };
  if (viewer.role === 'supervisor') return { depts: viewer.departmentIds.length ? [...viewer.departmentIds] : null, agent: null };
  return { depts: null, agent: viewer.id };
}

/** A filter asking for what the scope hides is refused rather than silently emptied. */
export function checkFilters(scope: ReportScope, f: ReportFilters): void {
  if (f.departmentId && scope.depts && !scope.depts.includes(f.departmentId)) throw new ForbiddenError('That department is not yours to report on');
  if (f.agentId && scope.agent && f.agentId !== scope.agent) throw new ForbiddenError('Agents see only their own numbers');
}

export interface RowDims {
  inbox: string;
  channel: string;
  dept: string;
  agent: string;
}

export function rowVisible(scope: ReportScope, f: ReportFilters, r: RowDims): boolean {
  if (scope.depts && !scope.depts.includes(r.dept)) return false;
  if (scope.agent && r.agent !== scope.agent) return false;
  if (f.departmentId && r.dept !== f.departmentId) return false;
  if (f.channel && r.channel !== f.channel) return false;
  if (f.inboxId && r.inbox !== f.inboxId) return false;
  if (f.agentId && r.agent !== f.agentId) return false;
  return true;
}
