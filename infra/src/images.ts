/**
 * Images: per service an ECR repository (scan on push, immutable tags, last N kept) and an image
 * built by BuildKit (`@pulumi/docker-build`) with `services/Dockerfile` (SERVICE=<op>) from a staged
 * context holding exactly the files that image COPYs, tagged with the hash of that context (see
 * content-hash.ts), with its layer cache in a sibling ECR repository. Provenance: buildx attaches
 * a SLSA provenance attestation (mode=min) to pushed images by default; @pulumi/docker-build has no
 * `attest`/`sbom` input (pulumi/pulumi-docker-build#73), so the SBOM and max-mode provenance are
 * attested by `.github/workflows/ci.yml` after the push, on the digest this component outputs.
 * A stack with `images.promoteFrom` builds nothing: it copies the digest the other stack ran.
 */
import * as aws from '@pulumi/aws';
import * as dockerBuild from '@pulumi/docker-build';
import * as pulumi from '@pulumi/pulumi';
import type { ImageService } from '@darkroom/pipeline-spec';
import { imageContextDir, serviceContentHash, stageImageContext } from './content-hash.ts';

export interface WorkerImageArgs {
  readonly namePrefix: string;
  /** The service (a worker's operation, or the front desk): its folder under services/. */
  readonly operation: ImageService;
  readonly repoRoot: string;
  readonly platforms: readonly ('linux/amd64' | 'linux/arm64')[];
  readonly keepLast: number;
  /** Let `pulumi destroy` delete the repositories while they still hold images (dev stacks). */
  readonly forceDelete: boolean;
  /** Copy the image of this tag from that stack's repository (`darkroom-dev`) instead of building. */
  readonly promoteFromNamePrefix?: string | undefined;
}

function lifecyclePolicy(description: string, keepLast: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepLast },
        action: { type: 'expire' },
      },
    ],
  });
}

export class WorkerImage extends pulumi.ComponentResource {
  readonly repositoryUrl: pulumi.Output<string>;
  /** `repo@sha256:…`: what the Deployment runs, so a pod never pulls a different image. */
  readonly ref: pulumi.Output<string>;
  readonly tag: string;

  constructor(name: string, args: WorkerImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:images:WorkerImage', name, {}, opts);
    const parent = { parent: this };
    const repository = createRepository(name, args, parent);
    this.tag = serviceContentHash(args.repoRoot, args.operation, { SERVICE: args.operation });
    const registry = ecrRegistry(repository, parent);
    this.ref = args.promoteFromNamePrefix
      ? promoteImage(name, repository, registry, this.tag, args.promoteFromNamePrefix, args, parent)
      : buildImage(name, repository, registry, this.tag, args, parent);
    this.repositoryUrl = repository.repositoryUrl;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, ref: this.ref, tag: this.tag });
  }
}

/** The service's repository: scan on push, immutable tags, the last N images kept. */
function createRepository(
  name: string,
  args: WorkerImageArgs,
  opts: pulumi.CustomResourceOptions,
): aws.ecr.Repository {
  const repository = new aws.ecr.Repository(
    `${name}-repo`,
    {
      name: `${args.namePrefix}/${args.operation}`,
      imageTagMutability: 'IMMUTABLE',
      forceDelete: args.forceDelete,
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: 'AES256' }],
    },
    opts,
  );
  new aws.ecr.LifecyclePolicy(
    `${name}-lifecycle`,
    {
      repository: repository.name,
      policy: lifecyclePolicy(`keep the last ${args.keepLast} images`, args.keepLast),
    },
    opts,
  );
  return repository;
}

interface Registry {
  readonly address: pulumi.Output<string>;
  readonly username: pulumi.Output<string>;
  readonly password: pulumi.Output<string>;
}

/** The account's ECR registry (every stack's repositories are in it) and a token for it. */
function ecrRegistry(repository: aws.ecr.Repository, opts: pulumi.InvokeOptions): Registry {
  const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, opts);
  return {
    address: repository.repositoryUrl.apply((url) => url.slice(0, url.indexOf('/'))),
    username: auth.userName,
    password: pulumi.secret(auth.password),
  };
}

/** Build with BuildKit from the staged context and push under the content-hash tag. */
function buildImage(
  name: string,
  repository: aws.ecr.Repository,
  registry: Registry,
  tag: string,
  args: WorkerImageArgs,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  // The build cache is overwritten on every build, so it lives in a mutable repository of its own.
  const cache = new aws.ecr.Repository(
    `${name}-cache`,
    {
      name: `${args.namePrefix}/${args.operation}-cache`,
      imageTagMutability: 'MUTABLE',
      forceDelete: args.forceDelete,
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfigurations: [{ encryptionType: 'AES256' }],
    },
    opts,
  );
  new aws.ecr.LifecyclePolicy(
    `${name}-cache-lifecycle`,
    { repository: cache.name, policy: lifecyclePolicy('keep the cache small', 5) },
    opts,
  );
  // The builder re-builds and pushes whenever its context hash changes; a context of exactly the
  // hashed files keeps that in step with the tag, so an IMMUTABLE tag is never pushed twice.
  const context = imageContextDir(args.repoRoot, args.operation);
  const dockerfile = stageImageContext(args.repoRoot, args.operation, context);
  const cacheRef = pulumi.interpolate`${cache.repositoryUrl}:buildcache`;
  const image = new dockerBuild.Image(
    `${name}-image`,
    {
      context: { location: context },
      dockerfile: { location: dockerfile },
      buildArgs: { SERVICE: args.operation },
      // The preview role is read-only (no cache push); ci.yml builds every image on each PR.
      buildOnPreview: false,
      platforms: args.platforms.map((p) =>
        p === 'linux/amd64' ? dockerBuild.Platform.Linux_amd64 : dockerBuild.Platform.Linux_arm64,
      ),
      push: true,
      tags: [pulumi.interpolate`${repository.repositoryUrl}:${tag}`],
      registries: [{ ...registry, address: repository.repositoryUrl }],
      cacheFrom: [{ registry: { ref: cacheRef } }],
      cacheTo: [
        {
          registry: {
            ref: cacheRef,
            imageManifest: true,
            ociMediaTypes: true,
            mode: dockerBuild.CacheMode.Max,
          },
        },
      ],
    },
    opts,
  );
  return image.ref;
}

/**
 * Promote the image another stack built and ran from the same sources (the same content-hash
 * tag) into this stack's repository, by digest: `docker buildx imagetools create` with one index
 * source writes its bytes unchanged (docker/buildx v0.36.1 util/imagetools/create.go:104-119), so
 * prod runs exactly the digest dev was smoke-tested and scanned with, and keeps it after dev's
 * lifecycle policy expires it there. Fails, instead of building, when dev has no such image yet.
 */
function promoteImage(
  name: string,
  repository: aws.ecr.Repository,
  registry: Registry,
  tag: string,
  fromNamePrefix: string,
  args: WorkerImageArgs,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  const index = new dockerBuild.Index(
    `${name}-promoted`,
    {
      sources: [pulumi.interpolate`${registry.address}/${fromNamePrefix}/${args.operation}:${tag}`],
      tag: pulumi.interpolate`${repository.repositoryUrl}:${tag}`,
      push: true,
      registry,
    },
    opts,
  );
  return pulumi.interpolate`${repository.repositoryUrl}@${index.ref.apply((ref) => ref.slice(ref.indexOf('@') + 1))}`;
}

/**
 * Create a service's ECR repository and build and push its image.
 * @example createWorkerImage('thumbnail-image', { namePrefix: 'darkroom-dev', operation: 'thumbnail', repoRoot, platforms: ['linux/amd64'], keepLast: 10 })
 */
export function createWorkerImage(
  name: string,
  args: WorkerImageArgs,
  opts?: pulumi.ComponentResourceOptions,
): WorkerImage {
  return new WorkerImage(name, args, opts);
}
