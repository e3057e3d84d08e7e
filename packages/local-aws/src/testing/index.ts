/** `@darkroom/local-aws/testing`: the one local AWS for other projects' tests (see README). */
export * from './test-emulator.ts';
export * from './events.ts';
