import { Types, type Connection } from 'mongoose';
import { z } from 'zod';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { createSchemaIndexes } from '../db/schema-indexes.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors/app-error.js';
import { seesAllTickets, type Viewer } from '../users/viewer.js';
import { cannedResponseModel, type CannedResponse, type CannedResponseModel } from './canned-response.js';

export const CannedInputSchema = z.object({
  shortcut: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'letters, digits, - and _ only'),
  title: z.string().trim().min(1).max(120),
  body: z.string().trim().min(1).max(10_000),
  departmentId: z.string().regex(/^[0-9a-f]{24}$/i).nullable().optional(),
  /** Personal: only its author sees it; any agent may create one. Shared ones are the managers'. */
  personal: z.boolean().optional(),
});
export type CannedInput = z.infer<typeof CannedInputSchema>;

export interface PublicCanned {
  id: string;
  shortcut: string;
  title: string;
  body: string;
  departmentId: string | null;
  personal: boolean;
  ownerId: string | null;
}

const toPublic = (c: CannedResponse): PublicCanned => ({
  id: String(c._id),
  shortcut: c.shortcut,
  title: c.title,
  body: c.body,
  departmentId: c.departmentId ? String(c.departmentId) : null,
  personal: Boolean(c.ownerId),
  ownerId: c.ownerId ? String(c.ownerId) : null,
});

/** Canned responses: agents read those of their departments and the shared ones; supervisors and admins manage them. */
export class CannedResponseService {
  private readonly model: CannedResponseModel;
  private indexed: Promise<unknown> | undefined;

  constructor(connection: Connection) {
    this.model = cannedResponseModel(connection);
  }

  private ready() {
    return (this.indexed ??= createSchemaIndexes(this.model));
  }

  async list(viewer: Viewer): Promise<PublicCanned[]> {
    await this.ready();
    const shared = seesAllTickets(viewer)
      ? { ownerId: { $exists: false } }
      : {
          ownerId: { $exists: false },
          $or: [{ departmentId: { $exists: false } }, { departmentId: { $in: viewer.departmentIds.map((d) => new Types.ObjectId(d)) } }],
        };
    // Personal responses are their author's only, whatever the role.
    const filter = { $or: [shared, { ownerId: new Types.ObjectId(viewer.id) }] };
    return (await this.model.find(filter).sort({ shortcut: 1 }).limit(1000).lean()).map(toPublic);
  }

  async create(viewer: Viewer, input: CannedInput): Promise<PublicCanned> {
    if (!input.personal) requireManager(viewer);
    if (!input.personal) await this.assertDepartment(input.departmentId);
    await this.ready();
    try {
      const [created] = await this.model.insertMany([
        {
          shortcut: input.shortcut,
          title: input.title,
          body: input.body,
          ...(input.departmentId && !input.personal ? { departmentId: new Types.ObjectId(input.departmentId) } : {}),
          ...(input.personal ? { ownerId: new Types.ObjectId(viewer.id) } : {}),
          createdBy: new Types.ObjectId(viewer.id),
        },
      ]);
      return toPublic(created!.toObject() as CannedResponse);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new ConflictError('SHORTCUT_TAKEN', `/${input.shortcut} already exists`);
      throw err;
    }
  }

  /** Creates it unless the shortcut exists (seeding). */
  async ensure(viewer: Viewer, input: CannedInput): Promise<void> {
    await this.create(viewer, input).catch((err: unknown) => {
      if (!(err instanceof ConflictError)) throw err;
    });
  }

  async update(viewer: Viewer, id: string, input: Partial<CannedInput>): Promise<PublicCanned> {
    await this.assertMayChange(viewer, id);
    if (input.personal !== undefined) throw new ValidationError('A response stays personal or shared', [{ path: 'personal', message: 'cannot be changed' }]);
    await this.assertDepartment(input.departmentId);
    const set: Record<string, unknown> = {};
    const unset: Record<string, unknown> = {};
    for (const k of ['shortcut', 'title', 'body'] as const) if (input[k] !== undefined) set[k] = input[k];
    if (input.departmentId === null) unset.departmentId = 1;
    else if (input.departmentId) set.departmentId = new Types.ObjectId(input.departmentId);
    try {
      await this.model.updateOne({ _id: id }, { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    } catch (err) {
      if (isDuplicateKeyError(err) || (err as { code?: number }).code === 1) throw new ConflictError('SHORTCUT_TAKEN', 'This shortcut already exists');
      throw err;
    }
    return toPublic((await this.model.findById(id).lean())!);
  }

  async remove(viewer: Viewer, id: string): Promise<void> {
    await this.assertMayChange(viewer, id);
    if ((await this.model.deleteOne({ _id: id })).deletedCount === 0) throw new NotFoundError('Canned response');
  }

  /** A response for a department nobody is in (an id that names none) would be shown to no agent, ever. */
  private async assertDepartment(departmentId: string | null | undefined): Promise<void> {
    if (!departmentId) return;
    if (!(await this.model.db.collection('departments').findOne({ _id: new Types.ObjectId(departmentId) }, { projection: { _id: 1 } }))) {
      throw new ValidationError('Unknown department', [{ path: 'departmentId', message: 'no department with this id' }]);
    }
  }

  /** Personal: its owner only (someone else's is a 404, its existence not disclosed); shared: managers. */
  private async assertMayChange(viewer: Viewer, id: string): Promise<void> {
    const found = Types.ObjectId.isValid(id) ? await this.model.findById(id, { ownerId: 1 }).lean() : null;
    if (!found || (found.ownerId && String(found.ownerId) !== viewer.id)) throw new NotFoundError('Canned response');
    if (!found.ownerId) requireManager(viewer);
  }
}

function requireManager(viewer: Viewer): void {
  if (!seesAllTickets(viewer)) throw new ForbiddenError('Only supervisors and administrators manage canned responses');
}
