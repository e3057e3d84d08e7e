import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAGE_HTML } from './page-html.ts';

describe('the embedded page', () => {
  it('is index.html as it is now (else the service serves an old page: run node packages/front-desk/bin/embed-page.mjs)', () => {
    expect(PAGE_HTML).toBe(readFileSync(new URL('./index.html', import.meta.url), 'utf8'));
  });
});
