import { describe, expect, it } from 'vitest';
import { imageInputs, serviceContentHash } from './content-hash.ts';
import { REPO_ROOT } from './testing/stacks.ts';

describe('image content hash', () => {
  it('covers the shared image definition and packages but no other service', () => {
    const inputs = imageInputs('thumbnail');
    expect(inputs).toContain('services/Dockerfile');
    expect(inputs).toContain('services/thumbnail');
    expect(
      inputs.some(
        (p) => p.includes('grayscale') || p.includes('watermark') || p.startsWith('infra'),
      ),
    ).toBe(false);
  });

  it('is stable for a service and differs between services', () => {
    expect(serviceContentHash(REPO_ROOT, 'thumbnail')).toMatch(/^[0-9a-f]{16}$/);
    expect(serviceContentHash(REPO_ROOT, 'thumbnail')).toBe(
      serviceContentHash(REPO_ROOT, 'thumbnail'),
    );
    expect(serviceContentHash(REPO_ROOT, 'thumbnail')).not.toBe(
      serviceContentHash(REPO_ROOT, 'grayscale'),
    );
  });
});
