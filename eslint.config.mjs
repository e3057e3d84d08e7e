// Flat config shared by every project. Module boundaries are enforced by Nx tags:
// image-ops and pipeline-spec import nothing internal; infra imports only the spec and access;
// the planner imports the spec and infra's config schema and ScaledObject spec;
// the CLI the spec and infra's config parser (local packages only in its tests).
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const depConstraints = [
  { sourceTag: 'layer:image-ops', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'layer:spec', onlyDependOnLibsWithTags: [] },
  // One definition of permissions: read by infra (deploys it) and local-aws (enforces it).
  { sourceTag: 'layer:access', onlyDependOnLibsWithTags: ['layer:spec'] },
  {
    sourceTag: 'layer:runtime',
    onlyDependOnLibsWithTags: ['layer:image-ops', 'layer:spec'],
  },
  {
    sourceTag: 'layer:service',
    onlyDependOnLibsWithTags: ['layer:runtime', 'layer:image-ops', 'layer:spec'],
  },
  // The front desk's entrypoint: its library and the spec, nothing of the workers'.
  {
    sourceTag: 'layer:front-desk-service',
    onlyDependOnLibsWithTags: ['layer:front-desk', 'layer:spec'],
  },
  {
    sourceTag: 'layer:infra',
    onlyDependOnLibsWithTags: ['layer:spec', 'layer:access', 'layer:infra'],
  },
  // The CLI: the spec, and infra's stack-config parser for preflight. The local packages
  // and image-ops only in its tests (enforced below).
  {
    sourceTag: 'layer:cli',
    onlyDependOnLibsWithTags: [
      'layer:spec',
      'layer:infra',
      'layer:operator',
      'layer:local',
      'layer:image-ops',
    ],
  },
  {
    sourceTag: 'layer:local',
    onlyDependOnLibsWithTags: [
      'layer:local',
      'layer:front-desk',
      'layer:operator',
      'layer:access',
      'layer:spec',
      'layer:image-ops',
    ],
  },
  // The operator's actions, shared by the CLI and `npm start`: only the spec.
  { sourceTag: 'layer:operator', onlyDependOnLibsWithTags: ['layer:spec'] },
  // The clients' front desk: the spec and the operator's client records.
  { sourceTag: 'layer:front-desk', onlyDependOnLibsWithTags: ['layer:spec', 'layer:operator'] },
  // CI/CD's tests read the CI roles' definitions, nothing else.
  { sourceTag: 'layer:delivery', onlyDependOnLibsWithTags: ['layer:access', 'layer:spec'] },
  // The planner reads the stack config schema and the ScaledObject infra deploys
  // (never a copy of their defaults); its validation bench drives the local pipeline.
  {
    sourceTag: 'layer:planner',
    onlyDependOnLibsWithTags: ['layer:spec', 'layer:infra', 'layer:local', 'layer:image-ops'],
  },
];

/** Module boundaries by Nx tag; `allow` lists import paths exempt from them. */
const boundaries = (allow) => [
  'error',
  { enforceBuildableLibDependency: false, allow, depConstraints },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: [
      '**/dist',
      '**/node_modules',
      '**/out-tsc',
      '**/.nx',
      '**/vitest.config.*.timestamp*',
      'darkroom-out',
      'darkroom-results',
    ],
  },
  ...tseslint.configs.strict.map((c) => ({ ...c, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@nx/enforce-module-boundaries': boundaries([]),
    },
  },
  {
    files: ['packages/cli/src/**/*.ts'],
    // smoke/ checks results like a client would, with image-ops' sample photos and option schema.
    ignores: ['packages/cli/src/**/*.test.ts', 'packages/cli/src/smoke/inputs.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@darkroom/local-*', '@darkroom/image-ops', '@darkroom/image-ops/*'],
              message:
                'The CLI reaches the emulator through its endpoint like any AWS API; local packages are for its tests.',
            },
          ],
        },
      ],
    },
  },
  // Small units, as packages/worker-runtime: a function that grows past a screen is split by
  // job (one module or createX() per command, child or concern). Tests and bench scripts exempt.
  {
    files: [
      'packages/*/src/**/*.ts',
      'infra/src/**/*.ts',
      'infra/bootstrap/**/*.ts',
      'services/*/src/**/*.ts',
    ],
    ignores: ['**/*.test.ts', '**/testing/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  // The runtime's tests run against the one local AWS: only its test-support entry, and only
  // from the runtime's tests and test support (never from the worker code itself).
  {
    files: [
      'packages/worker-runtime/src/**/*.test.ts',
      'packages/worker-runtime/src/testing/**/*.ts',
    ],
    rules: { '@nx/enforce-module-boundaries': boundaries(['@darkroom/local-aws/testing']) },
  },
  // The front desk is tested on the local stack, from its tests and test support only.
  {
    files: ['packages/front-desk/src/**/*.test.ts', 'packages/front-desk/src/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries([
        '@darkroom/local-aws',
        '@darkroom/local-pipeline',
        '@darkroom/image-ops/samples',
      ]),
    },
  },
  // The operator's actions are tested against the one local AWS, from their tests only.
  {
    files: ['packages/operator/src/**/*.test.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(['@darkroom/local-aws']) },
  },
  prettier,
];
