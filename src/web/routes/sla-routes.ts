import { SlaCalendarInputSchema, SlaPolicyInputSchema } from '../../core/sla/sla-admin-service.js';
import { defaultTargets } from '../../core/sla/sla-targets.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';
import { toSlaCalendarView, toSlaPolicyView } from '../views/sla-views.js';

/** Business calendars and SLA policies: anyone signed in reads them (the console names policies), admins write. */
export const slaRoutes = [
  defineRoute({
    method: 'get',
    path: '/sla/calendars',
    operationId: 'listSlaCalendars',
    tag: 'sla',
    summary: 'Business calendars (weekly hours, holidays, time zone) and their departments',
    access: 'user',
    handler: async ({ core }) => ({ items: (await core.sla.listCalendars()).map(toSlaCalendarView) }),
  }),
  defineRoute({
    method: 'post',
    path: '/sla/calendars',
    operationId: 'createSlaCalendar',
    tag: 'sla',
    summary: 'Create a business calendar; open tickets of its departments get new due times',
    access: ['admin'],
    body: SlaCalendarInputSchema,
    status: 201,
    handler: async ({ core, viewer, body }) => {
      const { calendar, reevaluated } = await core.sla.createCalendar(viewer, body);
      return { ...toSlaCalendarView(calendar), reevaluated };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/sla/calendars/:id',
    operationId: 'updateSlaCalendar',
    tag: 'sla',
    summary: 'Replace a business calendar; open tickets it governs get new due times',
    access: ['admin'],
    params: IdParamsSchema,
    body: SlaCalendarInputSchema,
    handler: async ({ core, viewer, params, body }) => {
      const { calendar, reevaluated } = await core.sla.updateCalendar(viewer, params.id, body);
      return { ...toSlaCalendarView(calendar), reevaluated };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/sla/calendars/:id',
    operationId: 'deleteSlaCalendar',
    tag: 'sla',
    summary: 'Delete a business calendar (its departments count calendar time again)',
    access: ['admin'],
    params: IdParamsSchema,
    handler: async ({ core, viewer, params }) => core.sla.deleteCalendar(viewer, params.id),
  }),
  defineRoute({
    method: 'get',
    path: '/sla/policies',
    operationId: 'listSlaPolicies',
    tag: 'sla',
    summary: 'SLA policies, and the built-in targets that apply when none matches',
    access: 'user',
    handler: async ({ core }) => ({ items: (await core.sla.listPolicies()).map(toSlaPolicyView), builtIn: { name: 'Default', targets: defaultTargets } }),
  }),
  defineRoute({
    method: 'post',
    path: '/sla/policies',
    operationId: 'createSlaPolicy',
    tag: 'sla',
    summary: 'Create an SLA policy (applies to tickets created from now on)',
    access: ['admin'],
    body: SlaPolicyInputSchema,
    status: 201,
    handler: async ({ core, viewer, body }) => {
      const { policy, reevaluated } = await core.sla.createPolicy(viewer, body);
      return { ...toSlaPolicyView(policy), reevaluated };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/sla/policies/:id',
    operationId: 'updateSlaPolicy',
    tag: 'sla',
    summary: 'Replace an SLA policy; its open tickets get new due times',
    access: ['admin'],
    params: IdParamsSchema,
    body: SlaPolicyInputSchema,
    handler: async ({ core, viewer, params, body }) => {
      const { policy, reevaluated } = await core.sla.updatePolicy(viewer, params.id, body);
      return { ...toSlaPolicyView(policy), reevaluated };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/sla/policies/:id',
    operationId: 'deleteSlaPolicy',
    tag: 'sla',
    summary: 'Delete an SLA policy; its open tickets fall back to the next policy that matches',
    access: ['admin'],
    params: IdParamsSchema,
    handler: async ({ core, viewer, params }) => core.sla.deletePolicy(viewer, params.id),
  }),
];
