// The Pulumi program (`pulumi up -s <stack>` from the repository root; Pulumi.yaml points here).
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { readStackConfig } from './config.ts';
import { createDarkroom } from './darkroom.ts';

const darkroom = createDarkroom(readStackConfig(), {
  stack: pulumi.getStack(),
  repoRoot: fileURLToPath(new URL('../../', import.meta.url)),
});

export const bucketName = darkroom.bucketName;
export const uploadPrefixes = darkroom.uploadPrefixes;
export const queueUrls = darkroom.queueUrls;
export const deadLetterQueueUrls = darkroom.deadLetterQueueUrls;
export const clusterName = darkroom.clusterName;
export const kubeconfig = darkroom.kubeconfig;
export const howToUpload = darkroom.uploadHint;
export const alarmTopicArn = darkroom.alarmTopicArn;
export const dashboardName = darkroom.dashboardName;
export const imageRefs = darkroom.imageRefs;
/** The clients' page and API (https://…), when the front desk is enabled. */
export const frontDeskUrl = darkroom.frontDeskUrl;
