export {
  CONTAINERS_CONF,
  PodmanError,
  type BuiltImage,
  builtImage,
  changedPaths,
  podman,
  podmanUnavailable,
  productionRunArgs,
} from './podman.ts';
export { type LogLine, type RunningWorker, logLines, startWorkerContainer } from './containers.ts';
