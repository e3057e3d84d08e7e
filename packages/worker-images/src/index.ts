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
