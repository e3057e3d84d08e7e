// One-time bootstrap per AWS account, run by an administrator from this folder (infra/README.md,
// "CI/CD bootstrap"): it creates the S3 backend, the per-stack secrets keys and the four CI roles.
// Its own state starts on a local backend and moves into the bucket it created
// (`pulumi stack export | pulumi login s3://… && pulumi stack import`), so no laptop keeps it.
import * as pulumi from '@pulumi/pulumi';
import { GitHubDeploy } from '../src/github-deploy.ts';

const config = new pulumi.Config();
const repository = config.require('repository');
const github = new GitHubDeploy('github', {
  repository,
  project: config.get('project') ?? 'darkroom',
  stateBucketName:
    config.get('stateBucket') ??
    `${repository.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-pulumi-state`,
  createOidcProvider: config.getBoolean('createOidcProvider') ?? true,
});

export const AWS_PREVIEW_DEV_ROLE_ARN = github.roleArns['preview-dev'];
export const AWS_DEPLOY_DEV_ROLE_ARN = github.roleArns['deploy-dev'];
export const AWS_PREVIEW_PROD_ROLE_ARN = github.roleArns['preview-prod'];
export const AWS_DEPLOY_PROD_ROLE_ARN = github.roleArns['deploy-prod'];
export const PULUMI_STATE_BUCKET = github.stateBucket;
