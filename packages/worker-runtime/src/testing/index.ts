/** Test support for the runtime and the services: a real S3/SQS API and AWS-shaped S3 events. */
// The one local AWS (IAM, notifications, faults) and its S3 event builder, from the emulator package.
export * from '@darkroom/local-aws/testing';
export * from './service-harness.ts';
