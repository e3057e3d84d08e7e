/**
 * The clients' page in a real browser (Debian's Chromium, driven by puppeteer-core) on the whole
 * local pipeline: real workers, the emulator with IAM, the front desk with its own role. A client
 * uploads real photos through the page, sees their results, downloads one, deletes one (its
 * results go with it), and a second client sees none of it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { OPERATIONS } from '@darkroom/pipeline-spec';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from './pipeline.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const PHOTOS = ['kite.jpg', 'path.jpg', 'fallenleaf.jpg'];

let pipeline: LocalPipeline;
let browser: Browser;
const tokens = { a: '', b: '' };

beforeAll(async () => {
  if (!CHROMIUM)
    throw new Error(
      'Chromium is missing: apt-get install chromium (.ci/prerequisites installs it)',
    );
  pipeline = await startLocalPipeline({
    operations: OPERATIONS,
    workersPerOperation: 1,
    concurrency: 2,
    frontDesk: true,
  });
  const desk = pipeline.frontDesk;
  if (!desk) throw new Error('no front desk');
  tokens.a = await desk.addClient('studio-client-a');
  tokens.b = await desk.addClient('studio-client-b');
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pipeline?.stop();
});

async function openAs(token: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${pipeline.frontDesk?.url}/#token=${token}`);
  await page.waitForSelector('#app:not([hidden])');
  return page;
}

const statuses = (page: Page) =>
  page.$$eval('.card', (cards) =>
    cards.map((c) => ({
      name: c.getAttribute('data-name'),
      statuses: [...c.querySelectorAll('.badge')].map((b) => b.getAttribute('data-status')),
      thumbnailLoaded: (c.querySelector('img')?.naturalWidth ?? 0) > 0,
    })),
  );

const stored = (key: string) =>
  pipeline.aws.s3.send(new HeadObjectCommand({ Bucket: pipeline.topology.bucket, Key: key })).then(
    () => true,
    () => false,
  );

describe('the clients’ page in a real browser', () => {
  let page: Page;

  it('uploads real photos through the page and shows each with its three results and a thumbnail', async () => {
    page = await openAs(tokens.a);
    const input = await page.$('#files');
    if (!input) throw new Error('no file input');
    await input.uploadFile(...PHOTOS.map((p) => join(SAMPLE_PHOTOS_DIR, p)));
    // Page-side code as text: this package is compiled without the DOM library.
    await page.waitForFunction(
      `[...document.querySelectorAll('.card')].length === ${PHOTOS.length} &&
       [...document.querySelectorAll('.card')].every((c) =>
         [...c.querySelectorAll('.badge')].every((b) => b.getAttribute('data-status') === 'done') &&
         (c.querySelector('img')?.naturalWidth ?? 0) > 0)`,
      { timeout: 90_000, polling: 500 },
    );
    const shown = await statuses(page);
    expect(shown.map((s) => s.name).sort()).toEqual([...PHOTOS].sort());
    expect(shown.every((s) => s.statuses.length === 3 && s.thumbnailLoaded)).toBe(true);
    expect(await page.$eval('#overall-text', (e) => e.textContent)).toContain('3 sent');
  }, 120_000);

  it('downloads a result through the link the page gets: a real grayscale JPEG of the photo', async () => {
    const url = await page.evaluate(async (token) => {
      const response = await fetch('/v1/download?name=kite.jpg&operation=grayscale&kind=result', {
        headers: { authorization: `Bearer ${token}` },
      });
      return ((await response.json()) as { url: string }).url;
    }, tokens.a);
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.channels]).toEqual(['jpeg', 1]);
  });

  it('deletes a photo from the page: its card and every original and result are gone', async () => {
    await page.click('button[data-delete="path.jpg"]');
    await page.waitForFunction(`!document.querySelector('.card[data-name="path.jpg"]')`, {
      timeout: 15_000,
    });
    for (const op of OPERATIONS) {
      expect(await stored(`input/${op}/studio-client-a/path.jpg`), op).toBe(false);
      expect(await stored(`output/${op}/studio-client-a/path.jpg`), op).toBe(false);
    }
    expect(await stored('output/thumbnail/studio-client-a/kite.jpg')).toBe(true);
  });

  it('shows a second client none of the first client’s photos', async () => {
    const other = await openAs(tokens.b);
    await new Promise((r) => setTimeout(r, 3_000)); // two refreshes
    expect(await statuses(other)).toEqual([]);
    const forged = await other.evaluate(async (token) => {
      const response = await fetch('/v1/download?name=kite.jpg&operation=grayscale', {
        headers: { authorization: `Bearer ${token}` },
      });
      return response.status;
    }, tokens.b);
    expect(forged).toBe(404);
  });
});
