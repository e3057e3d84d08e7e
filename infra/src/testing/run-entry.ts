/**
 * Run the program's real entrypoint the way Pulumi's Node host does with `typescript: false`:
 * plain Node 24 (type stripping), the `@darkroom/source` condition, stack config from
 * PULUMI_CONFIG — with the mocked engine. Prints the stack's exports and resource count as JSON.
 */
import { installMocks, settle } from './mocks.ts';

const recorded = await installMocks(process.env['PULUMI_STACK'] ?? 'dev');
const program = (await import('../index.ts')) as Record<string, unknown>;
await settle(recorded);
process.stdout.write(
  JSON.stringify({ exports: Object.keys(program).sort(), resources: recorded.resources.length }),
);
