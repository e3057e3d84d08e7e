import { describe, expect, it } from 'vitest';
import { nodesLine, parseClusterView, podsCell, readClusterView } from './cluster.ts';

// Shapes as `kubectl get deployments -n darkroom -o json` and `kubectl get nodeclaims -o json`
// print them (trimmed to the fields read).
const deployments = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      metadata: {
        name: 'darkroom-thumbnail',
        labels: {
          'app.kubernetes.io/name': 'darkroom-thumbnail',
          'darkroom.io/operation': 'thumbnail',
        },
      },
      spec: { replicas: 4 },
      status: { replicas: 4, readyReplicas: 3, updatedReplicas: 4 },
    },
    {
      // Scaled to zero by KEDA: no readyReplicas in status at all.
      metadata: { name: 'darkroom-grayscale', labels: { 'darkroom.io/operation': 'grayscale' } },
      spec: { replicas: 0 },
      status: { observedGeneration: 3 },
    },
    { metadata: { name: 'unrelated', labels: { app: 'x' } }, spec: { replicas: 2 }, status: {} },
  ],
};
const nodeClaims = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      status: {
        conditions: [
          { type: 'Launched', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
      },
    },
    {
      status: {
        conditions: [
          { type: 'Launched', status: 'True' },
          { type: 'Ready', status: 'Unknown' },
        ],
      },
    },
    { metadata: { name: 'just-created' } },
  ],
};

describe('status on a deployed stack with kubectl', () => {
  it('shows ready/desired pods per operation and how many Karpenter nodes are up, so an operator sees scaling', () => {
    const view = parseClusterView(deployments, nodeClaims);
    expect(view).toEqual({
      replicas: { thumbnail: { desired: 4, ready: 3 }, grayscale: { desired: 0, ready: 0 } },
      nodes: { total: 3, ready: 1 },
    });
    expect(podsCell(view, 'thumbnail')).toBe('3/4');
    expect(podsCell(view, 'watermark')).toBe('-');
    expect(nodesLine(view)).toBe('worker nodes: 1 ready of 3 launched; 3 worker pods ready\n');
  });

  it('falls back to queues only when kubectl is missing or the cluster is unreachable', async () => {
    const missing = Object.assign(new Error('spawn kubectl ENOENT'), { code: 'ENOENT' });
    expect(await readClusterView(() => Promise.reject(missing))).toBeUndefined();
    expect(nodesLine(undefined)).toBe('');
  });

  it('asks kubectl for the workers’ namespace and label, and for NodeClaims', async () => {
    const asked: string[][] = [];
    const view = await readClusterView(async (args) => {
      asked.push([...args]);
      return args.includes('nodeclaims') ? nodeClaims : deployments;
    });
    expect(asked).toEqual([
      ['get', 'deployments', '-n', 'darkroom', '-l', 'darkroom.io/operation'],
      ['get', 'nodeclaims'],
    ]);
    expect(view?.nodes.total).toBe(3);
  });
});
