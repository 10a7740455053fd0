/** Macros as the API gives them (`GET /api/macros`). */
export interface MacroActions {
  status?: string;
  priority?: string;
  tagsAdd: string[];
  tagsRemove: string[];
  reply?: string;
}
export interface Macro {
  id: string;
  name: string;
  actions: MacroActions;
  updatedAt: string;
}
