import { Types } from 'mongoose';
import { ConflictError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';

/**
 * Refuses a change that would leave no active administrator (nobody could manage users or inboxes any
 * more). Checked before the write; within a process such changes run one at a time (`UserService.update`),
 * so two admins demoting each other at once cannot both pass. Across hub processes they still could: the
 * first-start `ensureAdmin` path recreates none then, so the log line of each change is the trail.
 */
export async function assertAnotherActiveAdmin(models: Models, leavingUserId: string): Promise<void> {
  const others = await models.User.countDocuments({ role: 'admin', active: { $ne: false }, _id: { $ne: new Types.ObjectId(leavingUserId) } });
  if (others === 0) throw new ConflictError('LAST_ADMIN', 'This is the last active administrator: promote someone else first');
}
