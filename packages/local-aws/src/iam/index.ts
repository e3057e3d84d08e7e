export {
  AccessControl,
  NotificationDeniedError,
  assertNotificationAllowed,
  type AccessControlOptions,
  type Denial,
  type DenialCode,
  type Verdict,
} from './access-control.ts';
export { accessKeyIdOf } from './credentials.ts';
export { installAccessControl } from './hooks.ts';
export {
  ADMIN_POLICY,
  LOCAL_ACCOUNT_ID,
  adminPrincipal,
  withoutStatement,
  workerCredentials,
  workerPrincipal,
  type LocalCredentials,
  type LocalPrincipal,
} from './principals.ts';
export { mapRequest, queueArnOfUrl, type AccessCheck, type MappedRequest } from './request-map.ts';
export { denialResponse } from './responses.ts';
