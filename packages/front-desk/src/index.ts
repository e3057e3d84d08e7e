export { type FrontDeskDeps, createFrontDesk } from './app.ts';
export { ApiError } from './api-error.ts';
export { DEFAULT_SETTINGS, type FrontDeskSettings } from './settings.ts';
export { type DispatcherDeps, retryDelaySeconds, startDispatcher } from './webhooks/dispatcher.ts';
export { SIGNATURE_HEADER, verifyWebhook, webhookSignature } from './webhooks/signature.ts';
export { createMetrics } from './metrics.ts';
export { type FrontDeskService, startFrontDeskService } from './service.ts';
