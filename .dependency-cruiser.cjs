/**
 * Import rules from ARCHITECTURE.md, "Modules and who may import whom".
 * Run by `npm run lint` (and so by `npm test`): `depcruise src --config .dependency-cruiser.cjs`.
 * Rules about src/ paths only; npm packages and node builtins are free.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Cycles make start-up order and testing in isolation fragile.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-the-inner-ring',
      severity: 'error',
      comment: 'src/core imports nothing from channels, realtime, web or the composition root.',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'channel-imports-core-shared-and-itself',
      severity: 'error',
      comment:
        'src/channels/<kind>/ may import src/core, src/channels/shared and its own folder — never another ' +
        'channel, the registry, realtime, web or main.',
      from: { path: '^src/channels/([^/]+)/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/channels/shared/', '^src/channels/$1/'] },
    },
    {
      name: 'channel-not-to-models',
      severity: 'error',
      comment: 'Channels get persistence through core services and ports, never mongoose models.',
      from: { path: '^src/channels/' },
      to: { path: '^src/core/models/' },
    },
    {
      name: 'realtime-imports-only-core',
      severity: 'error',
      comment: 'src/realtime (Socket.IO, projector) builds on core domain events only.',
      from: { path: '^src/realtime/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/realtime/'] },
    },
    {
      name: 'web-imports-only-core',
      severity: 'error',
      comment:
        'src/web may import src/core, nothing else: the channel catalogue (webhooks, settings forms) is handed ' +
        'to createWebApp by the composition root (src/main.ts).',
      from: { path: '^src/web/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/web/'] },
    },
    {
      name: 'models-only-inside-core',
      severity: 'error',
      comment:
        'Outside src/core, mongoose models are reached through core services only (createCore hands out no ' +
        'models); their TypeScript interfaces may be imported as types.',
      from: { path: '^src/', pathNot: '^src/core/' },
      to: { path: '^src/core/models/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve would be a runtime crash (or a rule silently not applied).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count too: a type from web in core is still a wrong-way dependency.
    tsPreCompilationDeps: true,
    // Resolves NodeNext `.js` specifiers to the `.ts` sources.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
