import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { Viewer } from '../core/users/viewer.js';
import type { AgentPresence } from './agent-presence.js';
import type { Core } from '../core/create-core.js';
import type { Projector } from './projector.js';
import { rooms } from './rooms.js';

/** Changes are pushed at most this often; the longest wait grows by itself, so also every REFRESH_MS. */
export const LIVE_THROTTLE_MS = 1_000;
export const LIVE_REFRESH_MS = 15_000;

/**
 * `report.live` to every supervisor and admin socket, each with the snapshot of its own scope
 * (ReportsService.live decides, as for REST): after open work changes (throttled), every
 * LIVE_REFRESH_MS, and once on connection. Agents online/away come from this process's presence.
 */
export function pushLiveReports(io: Server, core: Partial<Pick<Core, 'reports'>>, projector: Projector, presence: AgentPresence, log: Logger): () => void {
  const reports = core.reports;
  if (!reports) return () => undefined;
  const sendTo = (socket: Socket) => {
    const viewer = (socket.data as { viewer?: Viewer }).viewer;
    if (!viewer || viewer.role === 'agent') return;
    const people = presence.snapshot();
    try {
      projector.reportLive(socket, {
        ...reports.live(viewer),
        agentsOnline: people.filter((p) => p.status === 'online').length,
        agentsAway: people.filter((p) => p.status === 'away').length,
      });
    } catch (err) {
      log.warn({ err, userId: viewer.id }, 'live report not sent');
    }
  };
  const pushAll = () => {
    for (const socket of io.sockets.sockets.values()) if (socket.rooms.has(rooms.supervisors)) sendTo(socket);
  };
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe = reports.onLiveChange(() => {
    timer ??= setTimeout(() => {
      timer = undefined;
      pushAll();
    }, LIVE_THROTTLE_MS);
  });
  const refresh = setInterval(pushAll, LIVE_REFRESH_MS);
  refresh.unref();
  const onConnection = (socket: Socket) => setTimeout(() => sendTo(socket), 50);
  io.on('connection', onConnection);
  return () => {
    unsubscribe();
    clearTimeout(timer);
    clearInterval(refresh);
    io.off('connection', onConnection);
  };
}
