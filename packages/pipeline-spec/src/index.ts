export * from './operations.ts';
export * from './queues.ts';
export * from './worker.ts';
export * from './event-keys.ts';
export * from './local.ts';
export * from './kubernetes.ts';
export * from './worker-log.ts';
export * from './clients.ts';
