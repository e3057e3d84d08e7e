// One-time bootstrap per AWS account, run by an administrator from this folder with a local
// backend (it creates the S3 backend the Darkroom stacks then use):
//   pulumi login file://~/.darkroom-bootstrap && pulumi stack init bootstrap
//   pulumi config set repository <owner>/<name> && pulumi up
// Then set the outputs as the GitHub repository variables infra.yml reads.
import * as pulumi from '@pulumi/pulumi';
import { GitHubDeploy } from '../src/github-deploy.ts';

const config = new pulumi.Config();
const repository = config.require('repository');
const github = new GitHubDeploy('github', {
  repository,
  branch: config.get('branch') ?? 'main',
  prodEnvironment: config.get('prodEnvironment') ?? 'prod',
  stateBucketName:
    config.get('stateBucket') ??
    `${repository.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-pulumi-state`,
  createOidcProvider: config.getBoolean('createOidcProvider') ?? true,
});

export const AWS_PREVIEW_ROLE_ARN = github.previewRoleArn;
export const AWS_DEPLOY_ROLE_ARN = github.deployRoleArn;
export const PULUMI_STATE_BUCKET = github.stateBucket;
