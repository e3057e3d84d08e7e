/**
 * The smaller .ci/ scripts against recording fakes: the scanner gate, the attestation subject,
 * the SBOM step's credential hygiene, and the prerequisites that must fail (not skip) under CI.
 */
import { describe, expect, it } from 'vitest';
import { sandbox } from './fakes.ts';

const DIGEST = `sha256:${'a1'.repeat(32)}`;
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const refs = {
  grayscale: `${ECR}/darkroom-dev-grayscale:0f3c@${DIGEST}`,
  watermark: `${ECR}/darkroom-dev-watermark:0f3c@${DIGEST}`,
  thumbnail: `${ECR}/darkroom-dev-thumbnail:0f3c@${DIGEST}`,
};

describe('.ci/image-ref (attestation subject)', () => {
  it('names the repository without its tag, which actions/attest would reject', () => {
    const run = sandbox().run('image-ref', [refs.grayscale]);
    expect(run.stdout).toBe(`name=${ECR}/darkroom-dev-grayscale\ndigest=${DIGEST}\n`);
  });

  it('takes a reference without a tag, or a registry with a port', () => {
    const run = sandbox().run('image-ref', [`localhost:5000/a/b@${DIGEST}`]);
    expect(run.stdout).toBe(`name=localhost:5000/a/b\ndigest=${DIGEST}\n`);
  });

  it.each(['', `${ECR}/x:tag`, `${ECR}/x@sha256:short`])(
    'refuses %j: no digest, no attestation',
    (ref) => {
      expect(sandbox().run('image-ref', [ref]).code).toBe(1);
    },
  );
});

describe('.ci/image-refs', () => {
  it('hands the attestation job every operation’s digest', () => {
    const box = sandbox();
    box.write('dist/deploy/dev-outputs.json', JSON.stringify({ imageRefs: refs }));
    const run = box.run('image-refs', ['dev']);
    expect(run.stdout).toBe(`images=${JSON.stringify(refs)}\n`);
  });

  it('hands over the front desk’s digest too when the stack pushed it', () => {
    const box = sandbox();
    const withDesk = { ...refs, 'front-desk': refs.thumbnail.replace('thumbnail', 'front-desk') };
    box.write('dist/deploy/dev-outputs.json', JSON.stringify({ imageRefs: withDesk }));
    expect(box.run('image-refs', ['dev']).stdout).toBe(`images=${JSON.stringify(withDesk)}\n`);
  });

  it('fails when an operation has no digest rather than attesting two of three', () => {
    const box = sandbox();
    box.write(
      'dist/deploy/dev-outputs.json',
      JSON.stringify({ imageRefs: { ...refs, thumbnail: 'x' } }),
    );
    const run = box.run('image-refs', ['dev']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('thumbnail');
  });
});

const trivyVersion = (v: string) => [{ prefix: '--version', stdout: `Version: ${v}\n` }];

describe('.ci/scan-images', () => {
  const built = (box: ReturnType<typeof sandbox>) =>
    box.write(
      'dist/images/thumbnail.json',
      JSON.stringify({ image: 'localhost/darkroom-thumbnail:abc' }),
    );

  it('refuses any Trivy but the pinned one (a hijacked release once stole CI credentials)', () => {
    const box = sandbox();
    built(box);
    box.fake('trivy', trivyVersion('0.69.4'));
    box.fake('podman');
    const run = box.run('scan-images', []);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not the pinned');
    expect(box.calls()).toEqual(['trivy --version']);
  });

  it('fails the build on a fixable HIGH/CRITICAL finding in an image built in this run', () => {
    const box = sandbox();
    built(box);
    box.fake('trivy', [...trivyVersion('0.74.0'), { prefix: 'image', exitCode: 1 }]);
    box.fake('podman');
    const run = box.run('scan-images', []);
    expect(run.code).toBe(1);
    const calls = box.calls();
    expect(calls[1]).toBe('podman image exists localhost/darkroom-thumbnail:abc');
    expect(calls[2]).toMatch(
      /^podman save --format oci-archive -o \S+image\.tar localhost\/darkroom-thumbnail:abc$/,
    );
    expect(calls[3]).toMatch(
      /^trivy image --input \S+image\.tar --scanners vuln --severity HIGH,CRITICAL --ignore-unfixed --exit-code 1$/,
    );
  });

  it('passes a clean image', () => {
    const box = sandbox();
    built(box);
    box.fake('trivy', trivyVersion('0.74.0'));
    box.fake('podman');
    expect(box.run('scan-images', []).stdout).toContain('scanned 1 image(s)');
  });
});

describe('.ci/scan-deployed', () => {
  const deployed = (stack: string) => {
    const box = sandbox();
    box.write(`dist/deploy/${stack}-outputs.json`, JSON.stringify({ imageRefs: refs }));
    box.fake('aws', [{ prefix: 'ecr get-login-password', stdout: 'registry-token\n' }]);
    return box;
  };

  it('scans and inventories every pushed digest, giving Trivy a registry token only, never the role’s credentials', () => {
    const box = deployed('prod');
    box.fake('trivy', trivyVersion('v0.74.0'), ['AWS_SESSION_TOKEN', 'TRIVY_PASSWORD']);
    const run = box.run('scan-deployed', ['prod'], { AWS_SESSION_TOKEN: 'deploy-role-session' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(box.calls().filter((c) => c.startsWith('trivy image'))).toEqual(
      Object.entries(refs).flatMap(([op, ref]) => [
        `trivy image --scanners vuln --severity HIGH,CRITICAL --ignore-unfixed --exit-code 1 ${ref}`,
        `trivy image --format cyclonedx --output dist/sbom/${op}.cdx.json ${ref}`,
      ]),
    );
    expect(box.calls()).toContain('trivy env AWS_SESSION_TOKEN=<unset>');
    expect(box.calls()).toContain('trivy env TRIVY_PASSWORD=registry-token');
    expect(box.calls()).not.toContain('trivy env AWS_SESSION_TOKEN=deploy-role-session');
  });

  it('fails the job on a fixable HIGH/CRITICAL finding, after writing every SBOM', () => {
    const box = deployed('dev');
    box.fake('trivy', [
      ...trivyVersion('0.74.0'),
      {
        prefix: `image --scanners vuln --severity HIGH,CRITICAL --ignore-unfixed --exit-code 1 ${refs.watermark}`,
        exitCode: 1,
      },
    ]);
    expect(box.run('scan-deployed', ['dev']).code).toBe(1);
    expect(box.calls().filter((c) => c.includes('cyclonedx'))).toHaveLength(3);
  });

  it('refuses an unpinned Trivy before asking for a registry token', () => {
    const box = deployed('dev');
    box.fake('trivy', trivyVersion('0.69.4'));
    expect(box.run('scan-deployed', ['dev']).code).toBe(1);
    expect(box.calls().some((c) => c.startsWith('aws'))).toBe(false);
  });
});

describe('.ci/prerequisites', () => {
  it('fails under CI when podman cannot be had, instead of a green run that built no image', () => {
    const box = sandbox();
    box.fake('apt-get', [{ prefix: 'install', exitCode: 100 }]);
    const run = box.run('prerequisites', [], { CI: 'true' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('missing podman runc debootstrap chromium');
  });

  it('only warns outside CI, where a developer without podman may still run the rest', () => {
    const box = sandbox();
    box.fake('apt-get', [{ prefix: 'install', exitCode: 100 }]);
    const run = box.run('prerequisites', []);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('SKIPPED');
  });

  it('tries apt-get for exactly the missing tools, and asks nothing when all are there', () => {
    const box = sandbox();
    box.fake('apt-get', [{ prefix: 'install', exitCode: 100 }]);
    box.fake('podman');
    box.run('prerequisites', [], { CI: 'true' });
    expect(box.calls()).toContain('apt-get install -y -q runc debootstrap chromium');
    box.fake('runc');
    box.fake('debootstrap');
    box.fake('chromium');
    const before = box.calls().length;
    expect(box.run('prerequisites', [], { CI: 'true' }).code).toBe(0);
    expect(box.calls().length).toBe(before);
  });
});

describe('.ci/install-for-deploy', () => {
  it('installs exactly the lockfile with no install scripts, in jobs that will hold cloud credentials', () => {
    const box = sandbox();
    box.fake('npm');
    expect(box.run('install-for-deploy', []).code).toBe(0);
    expect(box.calls()).toEqual(['npm ci --ignore-scripts --no-audit --no-fund']);
  });
});

describe('.ci/smoke', () => {
  it('proves the stack it just deployed, from the outputs that deploy saved', () => {
    const box = sandbox();
    box.write('dist/deploy/dev-outputs.json', '{"bucketName":"b"}');
    box.fake('npx');
    expect(box.run('smoke', ['dev']).code).toBe(0);
    expect(box.calls()).toEqual([
      'npx --no-install darkroom --stack dev --outputs dist/deploy/dev-outputs.json smoke --timeout 600',
    ]);
  });

  it('fails the deploy job when the smoke test fails', () => {
    const box = sandbox();
    box.write('dist/deploy/prod-outputs.json', '{"bucketName":"b"}');
    box.fake('npx', [{ prefix: '--no-install darkroom', exitCode: 2 }]);
    expect(box.run('smoke', ['prod']).code).toBe(2);
  });

  it('refuses to run before a deploy wrote its outputs', () => {
    const box = sandbox();
    box.fake('npx');
    expect(box.run('smoke', ['dev']).code).toBe(1);
    expect(box.calls()).toEqual([]);
  });
});

describe('.ci/audit', () => {
  it('gates on HIGH/CRITICAL advisories in what ships, not in dev tooling', () => {
    const box = sandbox();
    box.fake('npm', [{ prefix: 'audit', exitCode: 1 }]);
    expect(box.run('audit', []).code).toBe(1);
    expect(box.calls()).toEqual(['npm audit --omit=dev --audit-level=high']);
  });
});

describe('.ci/support-check', () => {
  it('judges both stacks from their committed files, and fails when one is past standard support', () => {
    const box = sandbox();
    box.fake('npx', [{ prefix: '--no-install darkroom --stack prod', exitCode: 2 }]);
    expect(box.run('support-check', []).code).toBe(2);
    expect(box.calls()).toEqual([
      'npx --no-install darkroom --stack dev support --config Pulumi.dev.yaml',
      'npx --no-install darkroom --stack prod support --config Pulumi.prod.yaml',
    ]);
  });
});
