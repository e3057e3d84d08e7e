/** Test support for the runtime and the services: a real S3/SQS API and AWS-shaped S3 events. */
export * from './emulator.ts';
export * from './events.ts';
export * from './service-harness.ts';
