export { runCli, type CliEnvironment } from './program.ts';
export { EXIT, CliError, type ExitCode } from './exit-codes.ts';
export { parseStackOutputs, resolveTarget, type Target, type StackOutputs } from './target.ts';
