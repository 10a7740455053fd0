import type { Connection } from 'mongoose';
import { verifyAuditChain, type ChainReport } from '../audit/verify-chain.js';
import { registerModels } from '../models/registry.js';

/** After a migration: every ticket's audit chain, recomputed on the target. Returns the broken ones. */
export async function verifyMigratedChains(target: Connection): Promise<{ tickets: number; broken: ChainReport[] }> {
  const models = registerModels(target);
  const ids = await models.Ticket.find({}, { _id: 1 }).lean();
  const broken: ChainReport[] = [];
  for (const { _id } of ids) {
    const report = await verifyAuditChain(models, _id);
    if (!report.intact) broken.push(report);
  }
  return { tickets: ids.length, broken };
}
