/**
 * Images: per service an ECR repository (scan on push, immutable tags, last N kept) and an image
 * built by BuildKit (`@pulumi/docker-build`) from the repo root with `services/Dockerfile` (SERVICE=<op>),
 * tagged with the service's content hash, with its layer cache in a sibling ECR repository.
 */
import * as aws from '@pulumi/aws';
import * as dockerBuild from '@pulumi/docker-build';
import * as pulumi from '@pulumi/pulumi';
import type { Operation } from '@darkroom/pipeline-spec';
import { serviceContentHash } from './content-hash.ts';

export interface WorkerImageArgs {
  readonly namePrefix: string;
  readonly operation: Operation;
  readonly repoRoot: string;
  readonly platforms: readonly ('linux/amd64' | 'linux/arm64')[];
  readonly keepLast: number;
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
    const repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        name: `${args.namePrefix}/${args.operation}`,
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: 'AES256' }],
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      {
        repository: repository.name,
        policy: lifecyclePolicy(`keep the last ${args.keepLast} images`, args.keepLast),
      },
      { parent: this },
    );
    // The build cache is overwritten on every build, so it lives in a mutable repository of its own.
    const cache = new aws.ecr.Repository(
      `${name}-cache`,
      {
        name: `${args.namePrefix}/${args.operation}-cache`,
        imageTagMutability: 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: false },
        encryptionConfigurations: [{ encryptionType: 'AES256' }],
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-cache-lifecycle`,
      { repository: cache.name, policy: lifecyclePolicy('keep the cache small', 5) },
      { parent: this },
    );
    const auth = aws.ecr.getAuthorizationTokenOutput(
      { registryId: repository.registryId },
      { parent: this },
    );
    this.tag = serviceContentHash(args.repoRoot, args.operation);
    const cacheRef = pulumi.interpolate`${cache.repositoryUrl}:buildcache`;
    const image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: args.repoRoot },
        dockerfile: { location: `${args.repoRoot}/services/Dockerfile` },
        buildArgs: { SERVICE: args.operation },
        platforms: args.platforms.map((p) =>
          p === 'linux/amd64' ? dockerBuild.Platform.Linux_amd64 : dockerBuild.Platform.Linux_arm64,
        ),
        push: true,
        tags: [pulumi.interpolate`${repository.repositoryUrl}:${this.tag}`],
        registries: [
          {
            address: repository.repositoryUrl,
            username: auth.userName,
            password: pulumi.secret(auth.password),
          },
        ],
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
      { parent: this },
    );
    this.repositoryUrl = repository.repositoryUrl;
    this.ref = image.ref;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, ref: this.ref });
  }
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
