import { KeyedMutex } from '../sync/keyed-mutex.js';

/**
 * Every write to an existing ticket document runs under this lock, keyed by
 * ticket id. FerretDB applies an update by reading, modifying and writing the
 * whole document back, so two concurrent updates of different fields can lose
 * one of them; one writer per ticket at a time (per process) avoids that.
 * Must not be taken inside itself (it is not re-entrant).
 */
export class TicketLocks extends KeyedMutex {}
