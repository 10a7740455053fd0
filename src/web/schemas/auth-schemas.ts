import { z } from 'zod';

/** Deliberately loose: a malformed email is just a failed login (and counts towards the limit). */
export const LoginSchema = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(200),
});
