/** Scenario: the entrypoint as Pulumi would start it (plain Node 24, config from the environment). */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rawStackConfig } from './testing/stacks.ts';

/** Pulumi passes config as a flat JSON map of namespaced keys with string values. */
function pulumiConfigEnv(stack: string): string {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawStackConfig(stack))) {
    config[key === 'region' ? 'aws:region' : `darkroom:${key}`] =
      typeof value === 'string' ? value : JSON.stringify(value);
  }
  return JSON.stringify(config);
}

describe('program entrypoint', () => {
  it.each(['dev', 'prod'])(
    'loads under plain Node 24 with the %s stack config and exports every output',
    (stack) => {
      const out = execFileSync(
        process.execPath,
        [
          '--conditions=@darkroom/source',
          new URL('./testing/run-entry.ts', import.meta.url).pathname,
        ],
        {
          env: { ...process.env, PULUMI_CONFIG: pulumiConfigEnv(stack), PULUMI_STACK: stack },
          encoding: 'utf8',
        },
      );
      const result = JSON.parse(out) as { exports: string[]; resources: number };
      expect(result.exports).toEqual([
        'alarmTopicArn',
        'bucketName',
        'clusterName',
        'dashboardName',
        'deadLetterQueueUrls',
        'frontDeskUrl', // the clients' HTTPS page and API
        'howToUpload',
        'imageRefs', // read by infra.yml to attest the pushed images
        'kubeconfig',
        'queueUrls',
        'uploadPrefixes',
      ]);
      expect(result.resources).toBeGreaterThan(100);
    },
  );
});
