import type { PublicUser } from '../../core/users/user-service.js';
import { isoOrNull } from './iso.js';

/** Never carries the password hash (PublicUser has none; this picks fields explicitly anyway). */
export function toUserView(u: PublicUser) {
  return {
    id: String(u._id),
    email: u.email,
    name: u.name,
    role: u.role,
    departmentIds: u.departmentIds.map(String),
    active: u.active,
    locale: u.locale ?? null,
    /** Routing profile: skills the rules can require, own limits (null = the department's). */
    skills: u.skills ?? [],
    capacity: { chat: u.capacity?.chat ?? null, email: u.capacity?.email ?? null },
    lastLoginAt: isoOrNull(u.lastLoginAt),
    createdAt: isoOrNull(u.createdAt),
  };
}

/** A one-time invite or reset link: the console makes the full URL from its own origin. */
export const toLinkView = (link: { token: string; expiresAt: Date }) => ({
  token: link.token,
  path: `/console/#/link/${link.token}`,
  expiresAt: link.expiresAt.toISOString(),
});
