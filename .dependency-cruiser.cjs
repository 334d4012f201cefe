// Import rules of the monorepo, checked by `pnpm check:deps` in CI: no import circles, a
// package reaches another only through its published entry (`@wa-media/x`), and no package
// depends on the repository's tools.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circles make a module impossible to read or test on its own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-other-package-internals',
      severity: 'error',
      comment:
        "A package uses another's sources only through its exports (`@wa-media/x`, which tsconfig paths resolve to the entry file), never a path into them.",
      from: { path: '^(packages|tools)/([^/]+)/' },
      to: {
        path: '^packages/[^/]+/src/',
        pathNot: ['^packages/$2/'],
        dependencyTypesNot: ['aliased-tsconfig-paths'],
      },
    },
    {
      name: 'no-entry-bypass-through-alias',
      severity: 'error',
      comment: 'A tsconfig path may only lead to a package entry point, never to its internals.',
      from: { path: '^(packages|tools)/([^/]+)/' },
      to: {
        path: '^packages/([^/]+)/src/',
        // Entry points: each package's index/node, and crypto's published backend subpaths.
        pathNot: [
          '^packages/$2/',
          '^packages/[^/]+/src/(index|node)\\.ts$',
          '^packages/crypto/src/backend/(node|noble)\\.ts$',
        ],
        dependencyTypes: ['aliased-tsconfig-paths'],
      },
    },
    {
      name: 'no-packages-importing-tools',
      severity: 'error',
      comment: 'Packages ship on their own: their sources and benchmarks never import tools/.',
      from: { path: '^packages/' },
      to: { path: '^tools/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Config files (vitest.config.ts reads tools/vitest) are not package code.
    exclude: {
      path: [
        '/dist/',
        '/node_modules/',
        '\\.d\\.ts$',
        '/vitest\\.config\\.ts$',
        '/vitest\\.browser\\.config\\.ts$',
      ],
    },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
