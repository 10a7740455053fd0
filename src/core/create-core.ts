import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { GridFsBlobStore } from './attachments/blob-store.js';
import { AuditLog } from './audit/audit-log.js';
import { SessionService } from './auth/session-service.js';
import type { Config } from './config/config.js';
import { ContactCache } from './contacts/contact-cache.js';
import { ContactResolver } from './contacts/contact-resolver.js';
import { ContactService } from './contacts/contact-service.js';
import { SecretBox } from './crypto/secret-box.js';
import { JustWritten } from './events/just-written.js';
import { DepartmentCache } from './departments/department-cache.js';
import { DepartmentService } from './departments/department-service.js';
import type { ChannelRegistry } from './domain/channel-adapter.js';
import { DomainEventBus } from './events/event-bus.js';
import { HealthCheck } from './health/health-check.js';
import { createChannelContext } from './inboxes/channel-context.js';
import { InboxCache } from './inboxes/inbox-cache.js';
import { InboxService } from './inboxes/inbox-service.js';
import { newHolderId, SessionLeases } from './inboxes/session-lease.js';
import { AnnotationProcessor } from './ingest/annotation-processor.js';
import { EventIntake } from './ingest/event-intake.js';
import { IngestService, PENDING_PART } from './ingest/ingest-service.js';
import { MessageProcessor } from './ingest/message-processor.js';
import { RemoteMediaFetcher } from './ingest/remote-media.js';
import { SenderProfiles } from './ingest/sender-profiles.js';
import { StatusProcessor } from './ingest/status-processor.js';
import { CallProcessor } from './ingest/call-processor.js';
import { CallBackService } from './calls/call-back.js';
import { POINTERS_PART, TicketPlacement } from './threading/ticket-placement.js';
import { defaultJobPollMs, JobScheduler } from './jobs/job-scheduler.js';
import { isFerretDb } from './db/schema-indexes.js';
import { ensureIndexes, registerModels } from './models/registry.js';
import { ComposeService } from './outbound/compose-service.js';
import { SendOnce } from './outbound/send-once.js';
import { ConversationStarter } from './outbound/conversation-starter.js';
import { DeliveryWorker } from './outbound/delivery-worker.js';
import { Outbox } from './outbound/outbox.js';
import { recoverQueuedDeliveries } from './outbound/recover-queued.js';
import { ReportsService } from './reports/reports-service.js';
import { TicketLocks } from './tickets/ticket-locks.js';
import { TicketNumbers } from './tickets/ticket-number.js';
import { TicketService } from './tickets/ticket-service.js';
import { UserService } from './users/user-service.js';
import { VisibleAttachments } from './attachments/visible-attachment.js';
import { CannedResponseService } from './canned/canned-service.js';
import { CustomerConversationService } from './conversations/customer-conversation.js';
import { rememberModels } from './models/models-of.js';
import { MessageKeys } from './messages/message-keys.js';
import { ThreadBackfill } from './tickets/thread-backfill.js';
import { ThreadEntries } from './tickets/thread-entries.js';
import { TicketSplitter } from './tickets/ticket-split.js';
import { listThread, type ThreadRange } from './tickets/thread-queries.js';
import { StopSnapshots, type SnapshotParts } from './sync/stop-snapshots.js';
import { OpenWork } from './tickets/open-work.js';
import { ContactOrder } from './contacts/contact-order.js';
import { TicketContext } from './tickets/ticket-context.js';
import type { Ticket } from './models/ticket.js';
import { SlaDirectory } from './sla/sla-directory.js';
import { SlaEngine } from './sla/sla-engine.js';
import { SlaAdminService } from './sla/sla-admin-service.js';
import { SlaAlerts } from './sla/sla-alerts.js';
import { createAssignment } from './assignment/assignment-module.js';
import { createRouting } from './routing/routing-module.js';
import { systemClock, type Clock } from './time/clock.js';
import { InboxAutomationSettings } from './automation/inbox-automation.js';
import { OnceMarks } from './automation/once-marks.js';
import { ContactWindow } from './automation/contact-window.js';
import { CsatService } from './csat/csat-service.js';
import { AutomationSweep } from './automation/automation-sweep.js';
import { AutoAcknowledger } from './automation/auto-acknowledge.js';
import { MacroService } from './macros/macro-service.js';
import { SearchPostings } from './search/search-postings.js';
import { TicketSearchIndex } from './search/ticket-search-index.js';
import { SnoozeWake } from './tickets/snooze-wake.js';
import { OverflowSweep } from './assignment/overflow-sweep.js';
import { searchTickets, type TicketSearchQuery } from './tickets/ticket-search.js';
import type { Viewer } from './users/viewer.js';

export interface CoreOptions {
  config: Config;
  connection: Connection;
  logger: Logger;
  /** Instance secret: encrypts inbox credentials, signs our Message-IDs. */
  secret: string;
  channels: ChannelRegistry;
  /** The time of SLA due times and alerts and of automation (tests move it); the system clock otherwise. */
  clock?: Clock;
  /**
   * No other process can write this database: the embedded one this process started (its address is known
   * to nobody else). Then the tickets this process wrote last are taken as stored, without reading them back
   * (`TicketLocks.lastKnown`). Never with MONGODB_URI: other hubs may share it.
   */
  ownsDatabase?: boolean;
}

/** At most one routing rule's auto-reply per contact in this many minutes (as acknowledgements by default). */
const ROUTING_REPLY_WINDOW_MINUTES = 60;

/** Wires the core services on one database connection. `start` begins background work; `stop` ends it. */
export function createCore({ config, connection, logger, secret, channels, clock = systemClock, ownsDatabase = false }: CoreOptions) {
  const log = (module: string) => logger.child({ module });
  const models = registerModels(connection);
  const bus = new DomainEventBus(log('events'));
  const audit = new AuditLog(models, log('audit'));
  const locks = new TicketLocks();
  const blobs = new GridFsBlobStore(connection);
  const box = new SecretBox(secret);

  const inboxCache = new InboxCache(models, bus);
  const contactCache = new ContactCache();
  const intake = new EventIntake(models, inboxCache, blobs, config, log('ingest'));
  const messageKeys = new MessageKeys(models, log('ingest'));
  const placement = new TicketPlacement(models, secret, messageKeys);
  const contactResolver = new ContactResolver(models, contactCache, log('contacts'));
  const ticketNumbers = new TicketNumbers(models);
  const threadEntries = new ThreadEntries(models);
  const threadBackfill = new ThreadBackfill(models, threadEntries, log('tickets'));
  const messageProcessor = new MessageProcessor(models, inboxCache, contactResolver, placement, audit, locks, ticketNumbers, config, secret, log('ingest'), threadEntries, messageKeys);
  const statusProcessor = new StatusProcessor(models, audit, log('ingest'), threadEntries, messageKeys);
  const media = new RemoteMediaFetcher(models, channels, blobs, config.limits, log('ingest'));
  const calls = new CallProcessor(models, audit, log('ingest'), messageKeys);
  const profiles = new SenderProfiles(models, channels, contactCache, log('ingest'));
  const ingest = new IngestService(
    models,
    intake,
    messageProcessor,
    statusProcessor,
    bus,
    log('ingest'),
    media,
    profiles,
    new AnnotationProcessor(models, audit, log('ingest'), messageKeys),
    calls,
  );

  const openWork = new OpenWork(connection, models, bus, log('tickets'), locks);
  /** Only a process that owns its database may hand its in-memory state to its next start (see `start`). */
  const snapshots = new StopSnapshots(connection, log('snapshots'));
  let snapshotsAllowed = ownsDatabase;
  const tickets = new TicketService(models, audit, locks, bus, log('tickets'), openWork);
  const loginLimits = {
    maxAttempts: config.auth.loginMaxAttempts,
    maxAttemptsPerAddress: config.auth.loginMaxAttemptsPerAddress,
    windowMs: config.auth.loginWindowMs,
  };
  const sessions = new SessionService(models, config.auth.sessionTtlMs, loginLimits, bus, log('auth'));
  const users = new UserService(models, sessions, log('users'), bus);
  const departmentCache = new DepartmentCache(models);
  const departments = new DepartmentService(models, departmentCache, bus);
  const leases = new SessionLeases(models, newHolderId(), config.sessions.leaseTtlMs, log('sessions'));
  const inboxes = new InboxService(models, box, bus, channels, { publicUrl: config.publicUrl, leases });
  const contacts = new ContactService(models, locks, contactCache, log('contacts'));
  contacts.onTicketMoved((ticketId) => openWork.touched(ticketId));
  contacts.useTicketIndex({ ticketIdsOf: (contactIds) => openWork.ticketIdsOfContacts(contactIds), contactsVisibleTo: (viewer) => openWork.contactsVisibleTo(viewer) });
  const contactOrder = new ContactOrder(connection, models, log('contacts'));
  contacts.useOrder(contactOrder);
  const reports = new ReportsService(connection, models, bus, config.tickets.timeZone, log('reports'));
  reports.useOpenTickets(async () => ((await openWork.whenReady()) ? openWork.entries() : undefined));

  let jobs: JobScheduler | undefined;
  const queue = () => {
    if (!jobs) throw new Error('job scheduler not started');
    return jobs;
  };
  const outbox = new Outbox(models, log('outbound'));
  const worker = new DeliveryWorker(models, channels, blobs, audit, bus, queue, config, log('outbound'), messageKeys, outbox);
  worker.routeToSessionHolders(leases);
  // Receipts that beat the send's answer run once it is recorded, not at the next sweep.
  worker.onSent((inboxId, providerMessageId) => ingest.messageKnown(inboxId, providerMessageId));
  const sendOnce = new SendOnce(models, log('outbound'));
  const compose = new ComposeService(
    models,
    tickets,
    blobs,
    audit,
    locks,
    bus,
    queue,
    config,
    secret,
    log('outbound'),
    threadEntries,
    outbox,
    messageKeys,
    sendOnce,
    channels,
  );
  const callBack = new CallBackService(tickets, channels, audit, log('calls'));
  const slaEngine = new SlaEngine(models, new SlaDirectory(models), audit, locks, bus, log('sla'), () => clock.now());
  messageProcessor.useSla(slaEngine);
  const justWritten = new JustWritten();
  messageProcessor.useJustWritten(justWritten);
  tickets.useSla(slaEngine);
  compose.useSla(slaEngine);
  const conversationStarter = new ConversationStarter(models, contactResolver, ticketNumbers, compose, audit, bus, queue, () => slaEngine, config, log('outbound'), placement, sendOnce);
  const sla = new SlaAdminService(models, slaEngine);
  const slaAlerts = new SlaAlerts(models, bus, (id, target, dueAt, unassign) => tickets.escalateBreach(id, target, dueAt, unassign), slaEngine.now, { warningLeadMs: config.sla.warningLeadMs, breachUnassign: config.sla.breachUnassign }, log('sla'), openWork);

  const automationSettings = new InboxAutomationSettings(connection);
  const onceMarks = new OnceMarks(connection);
  const csat = new CsatService(connection, models, audit, locks, bus, compose, automationSettings, secret, config.publicUrl, clock, log('csat'));
  messageProcessor.interceptWith((event, kind) => csat.interceptReply(event, kind));
  let stopCsat: (() => void) | undefined;
  const acknowledger = new AutoAcknowledger(models, automationSettings, onceMarks, compose, config.tickets.timeZone, clock, log('automation'));
  messageProcessor.onNewTicket(async (ticket, inbox, event) => {
    await acknowledger.onNewTicket(ticket, inbox, event);
  });
  const automationSweep = new AutomationSweep(models, automationSettings, onceMarks, tickets, compose, clock, log('automation'), (id) => csat.requestFor(id), openWork);

  const { availability, assignment, settings: assignmentSettings } = createAssignment({ models, audit, locks, bus, logger: log('assignment'), offlineGraceMs: config.assignment.offlineGraceMs, sla: slaEngine, departments: departmentCache, clock });
  const snoozeWake = new SnoozeWake(models, tickets, clock, log('tickets'), openWork);
  const overflowSweep = new OverflowSweep(models, assignment, clock, log('assignment'));
  // One failing does not stop the other; each logs its own tickets' failures.
  const timers = async () => {
    const [woken, moved] = await Promise.allSettled([snoozeWake.run(), overflowSweep.run()]);
    for (const r of [woken, moved]) if (r.status === 'rejected') logger.error({ err: r.reason }, 'timers sweep failed; the next run tries again');
    return { woken: woken.status === 'fulfilled' ? woken.value : [], overflowed: moved.status === 'fulfilled' ? moved.value : [] };
  };
  const routingReplies = new ContactWindow(onceMarks, 'routec');
  const routing = createRouting({
    models, connection, audit, locks, bus, logger: log('routing'), sla: slaEngine, justWritten,
    after: (ticketId, departmentId) => assignment.enqueue(ticketId, undefined, departmentId),
    // A rule's canned auto-reply takes the durable outbound path of every automatic message; one per contact
    // an hour (ContactWindow: another system's autoresponder that does not say so would loop with us).
    autoReply: async (ticket, text) => {
      if (!(await routingReplies.take(String(ticket.contactId), ROUTING_REPLY_WINDOW_MINUTES, clock.now()))) {
        log('routing').info({ ticketId: String(ticket._id), contactId: String(ticket.contactId) }, 'routing auto-reply skipped: this contact got one within the hour');
        return;
      }
      await compose.sendAutomatic(ticket, text, 'message.routing_reply_queued');
    },
  });
  let stopRouting: (() => void) | undefined;

  const searchPostings = new SearchPostings(connection);
  const searchIndex = new TicketSearchIndex(models, searchPostings, log('search'), justWritten);
  searchIndex.listen(bus);

  const readWholeThread = async (ticket: Ticket) => {
    const byEntries = await isFerretDb(connection);
    const all = [];
    let after: string | undefined;
    do {
      const page = await listThread(models, ticket, { limit: 500, byEntries, ...(after ? { after } : {}) });
      all.push(...page.items);
      after = page.nextCursor ?? undefined;
    } while (after);
    return all;
  };
  const ticketSplit = new TicketSplitter(models, tickets, locks, audit, bus, ticketNumbers, threadEntries, readWholeThread, () => slaEngine, config, log('tickets'));
  ticketSplit.onMessagesMoved((ticket, messages) => searchIndex.indexMovedMessages(ticket, messages));
  ticketSplit.onConversationMoved((keyId, ticketId) => placement.moved(keyId, ticketId));

  let sweepTimer: NodeJS.Timeout | undefined;
  /** The start's recovery of queued deliveries (in the background): waited for at stop. */
  let recovering: Promise<unknown> | undefined;
  const health = new HealthCheck({
    connection,
    models,
    jobsRunning: () => jobs?.isRunning() ?? false,
    backlog: () => ingest.backlogProgress(),
    timeoutMs: config.health.databaseTimeoutMs,
  });

  const core = {
    config,
    bus,
    audit,
    blobs,
    ingest,
    tickets,
    /** Split: messages of a ticket moved to a new or another ticket (src/core/tickets/ticket-split.ts). */
    ticketSplit,
    /** Threading's database side; its conversation pointers are handed from a clean stop to the next start. */
    placement,
    compose,
    /** "New conversation": an agent writes to a customer first (email inboxes). */
    conversationStarter,
    sla,
    slaAlerts,
    worker,
    sessions,
    users,
    departments,
    inboxes,
    callBack,
    contacts,
    leases,
    attachments: new VisibleAttachments(models, tickets, messageKeys),
    ticketContext: new TicketContext(models),
    canned: new CannedResponseService(connection),
    conversations: new CustomerConversationService(models, () => isFerretDb(connection)),
    // Read through thread entries by `_id` on the embedded database; on MongoDB the index serves the query.
    threads: { list: async (ticket: Ticket, opts: ThreadRange) => listThread(models, ticket, { ...opts, byEntries: await isFerretDb(connection) }) },
    /** Whether the driver holds a live connection (the health route's first look). */
    databaseConnected: () => connection.readyState === 1,
    reports,
    health,
    availability,
    assignment,
    assignmentSettings,
    routingRules: routing.rules,
    router: routing.router,
    csat,
    automationSettings,
    macros: new MacroService(connection, models, tickets, compose, log('macros')),
    /** Auto-close and pending reminders now (the agenda job `automation.sweep` runs it every 5 minutes). */
    automationSweep: () => automationSweep.run(),
    /** Snoozes and overflow times due now (the agenda job `timers.sweep` runs this every 15 s). */
    timersSweep: timers,
    /** Ticket search (folded prefix postings by `_id`; src/core/tickets/ticket-search.ts). */
    search: {
      // What this process indexed is written first (postings wait up to a second for company: ticket-search-index.ts).
      tickets: async (viewer: Viewer, query: TicketSearchQuery) => {
        await searchIndex.settledWithin(2_000);
        return searchTickets(models, searchPostings, viewer, query);
      },
      /** Resolves once the index has written everything announced so far (tests, benchmarks). */
      settled: () => searchIndex.settled(),
    },
    openWork,
    contactOrder,
    /** Another process now writes this database too (tests attach a second core): stop trusting our last writes. */
    shareDatabase: () => {
      placement.trustLastWrites(undefined);
      ingest.setSoleWriter(false);
      snapshotsAllowed = false;
    },
    threadBackfill,
    messageKeys,
    channelContext: (inboxId: string) => createChannelContext({ models, ingest, inboxes, blobs }, inboxId, log('channel')),

    /**
     * `deferCatchUp`: the caller starts the catch-up of what a crash left pending itself (`catchUp()`), once it
     * serves HTTP (main.ts), so the backlog's database work does not delay the start.
     */
    async start(opts: { deferCatchUp?: boolean } = {}): Promise<void> {
      await ensureIndexes(models);
      if (ownsDatabase) placement.trustLastWrites(locks);
      ingest.setSoleWriter(snapshotsAllowed);
      if (await isFerretDb(connection)) {
        placement.useNumberIndex((n) => searchIndex.ticketIdsNumbered(n));
        compose.useThreadReader(readWholeThread);
      }
      // What the last clean stop knew (`sync/stop-snapshots.ts`), for a process that owns the embedded database, read
      // in the background (2 s at 50,000 tickets; lists wait for it as for a rebuild); any other start removes it,
      // since its writes would leave it stale for a later owner. The pending inbound events and the conversation
      // pointers are read first (`early`): live events wait for them, not for the rest.
      let snapshot: Promise<SnapshotParts | undefined> = Promise.resolve(undefined);
      let early: Promise<SnapshotParts | undefined> = Promise.resolve(undefined);
      if (snapshotsAllowed && (await isFerretDb(connection))) {
        const staged = snapshots.takeInStages([PENDING_PART, POINTERS_PART]);
        snapshot = staged.all.catch((err: unknown) => void logger.warn({ err }, 'stop snapshot not read; rebuilding'));
        early = staged.first;
      } else await snapshots.discard().catch(() => undefined);
      await openWork.start(snapshot);
      await contactOrder.start(openWork.verified(), snapshot);
      void placement.restoreFrom(early);
      ingest.startFrom(early);
      reports.start();
      assignment.start();
      stopRouting ??= routing.router.start();
      stopCsat = csat.listen();
      jobs = new JobScheduler(
        connection,
        {
          deliver: (messageId, attempt) => worker.deliver(messageId, attempt),
          timersSweep: timers,
          purgeSessions: () => sessions.purgeExpired(),
          slaSweep: () => slaAlerts.sweep(),
          automationSweep: () => automationSweep.run(),
        },
        log('jobs'),
        config.jobs.pollMs ?? defaultJobPollMs(await isFerretDb(connection)),
        config.sla.scanIntervalMs,
        leases.holderId,
      );
      await jobs.start();
      // In the background, like the ingest catch-up: the hub serves meanwhile (an extra job per message is harmless).
      recovering = recoverQueuedDeliveries(outbox, jobs, log('outbound')).catch((err: unknown) => logger.error({ err }, 'queued deliveries not recovered; the delivery sweep will'));
      // What a crash left unprocessed is finished in the background (the hub serves meanwhile); later, periodically.
      if (!opts.deferCatchUp) ingest.catchUpInBackground();
      searchIndex.backfill().catch((err: unknown) => logger.error({ err }, 'search index backfill failed; it runs again at next start'));
      // Threads are read by entries only on the embedded database (MongoDB answers the query by index).
      if (await isFerretDb(connection)) threadBackfill.run().catch((err: unknown) => logger.error({ err }, 'thread entry backfill failed; it goes on at next start'));
      // Likewise message keys (MongoDB finds messages by provider id through its indexes): until done, lookups ask the messages.
      if (await isFerretDb(connection)) messageKeys.backfill().catch((err: unknown) => logger.error({ err }, 'message key backfill failed; it goes on at next start'));
      else await messageKeys.load();
      // Longer than any backoff: a queued message idle that long has lost its job.
      const strandedAfterMs = config.outbound.backoffMaxMs * 2 + 60_000;
      // Asking the database what is pending is a full scan on the embedded FerretDB (16.5 s at 150,000 inbound
      // events): there the full sweep runs rarely, and what failed in this process is retried from memory in
      // between; a hub that owns its database reads only the events it knows pending (`setSoleWriter`).
      // MongoDB answers from indexes.
      const fullSweepMs = (await isFerretDb(connection)) ? config.ingest.fullSweepIntervalMs : config.ingest.sweepIntervalMs;
      let sinceFull = 0;
      sweepTimer = setInterval(() => {
        sinceFull += config.ingest.sweepIntervalMs;
        const full = sinceFull >= fullSweepMs;
        if (full) sinceFull = 0;
        const minAge = config.ingest.sweepMinAgeMs;
        if (full) ingest.sweep(minAge).catch((err: unknown) => logger.error({ err }, 'ingest sweep failed'));
        else ingest.retryDue(minAge);
        if (full && jobs) {
          recoverQueuedDeliveries(outbox, jobs, log('outbound'), strandedAfterMs).catch((err: unknown) => logger.error({ err }, 'delivery sweep failed'));
        }
      }, config.ingest.sweepIntervalMs);
      sweepTimer.unref();
    },

    /** Starts the background catch-up deferred by `start({ deferCatchUp: true })` (idempotent). */
    catchUp(): void {
      ingest.catchUpInBackground();
    },

    async stop(): Promise<void> {
      if (sweepTimer) clearInterval(sweepTimer);
      stopCsat?.();
      try {
        await ingest.stopCatchUp();
        await ingest.drain();
        await audit.flushHeads();
      } catch (err) {
        logger.error({ err }, 'could not write the last bookkeeping marks; the sweeper finishes them at next start');
      }
      stopRouting?.();
      stopRouting = undefined;
      await routing.router.idle();
      assignment.stop();
      await assignment.idle();
      availability.stop();
      await Promise.race([searchIndex.settled(), new Promise((r) => setTimeout(r, 2_000).unref())]);
      searchIndex.stop();
      await threadBackfill.stop();
      await messageKeys.stop();
      await recovering;
      await jobs?.stop();
      jobs = undefined;
      await reports.stop().catch((err: unknown) => logger.error({ err }, 'report rollups not flushed; run reports:rebuild'));
      await openWork.stop();
      await contactOrder.stop();
      if (snapshotsAllowed && (await isFerretDb(connection))) {
        await snapshots.write({ ...openWork.snapshotParts(), ...contactOrder.snapshotParts(), ...ingest.snapshotParts(), ...placement.snapshotParts() });
      }
    },
  };
  rememberModels(core, models);
  return core;
}

export type Core = ReturnType<typeof createCore>;
