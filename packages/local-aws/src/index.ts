export { startLocalAws, LOCAL_CREDENTIALS, LOCAL_REGION, type LocalAws } from './emulator.ts';
export {
  createTopology,
  type CreatedTopology,
  type CreatedQueue,
  type TopologyOverrides,
  workerEnvironment,
} from './topology.ts';
export { objectEventBody, testEventBody } from './notifications/event-message.ts';
export {
  parseNotificationXml,
  notificationXml,
  matches,
  type QueueNotification,
} from './notifications/notification-config.ts';
export {
  AccessControl,
  LOCAL_ACCOUNT_ID,
  mapRequest,
  withoutStatement,
  workerCredentials,
  type AccessCheck,
  type Denial,
  type LocalCredentials,
  type LocalPrincipal,
  type MappedRequest,
} from './iam/index.ts';
export {
  FRONT_DESK_CREDENTIALS,
  allowFrontDeskOrigin,
  type FrontDeskTopology,
  createFrontDeskTopology,
} from './front-desk-topology.ts';
