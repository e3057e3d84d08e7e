#!/usr/bin/env node
// `darkroom`: runs the TypeScript sources on Node 24 (type stripping), resolving the workspace
// packages to their sources through the `@darkroom/source` export condition.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    return nextResolve(specifier, {
      ...context,
      conditions: [...new Set([...context.conditions, '@darkroom/source'])],
    });
  },
});
await import('../src/main.ts');
