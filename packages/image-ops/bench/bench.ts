/**
 * `npm run bench [-- --input DIR] [--rounds N]`: image-ops against ImageMagick and against its own
 * alternatives, measured side by side in one run on the same photos, with the same parallelism
 * (2 photos in flight on 2 cores). Variants are interleaved round by round so drift in machine
 * load hits all of them alike. Prints a Markdown table of figures and ratios, then writes the CPU
 * cost per photo by operation and megapixels as JSON for the capacity planner (`--json FILE`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import {
  DARKROOM_LOGO_SVG,
  imageOperations,
  logoAspect,
  placeLogo,
  tuneSharpForWorker,
  type ImageOperationName,
} from '../src/index.ts';
import { SAMPLE_PHOTOS_DIR } from '../src/samples.ts';
import { DEFAULT_COST_JSON, writeCostLadder } from './cost-ladder.ts';
import { floorAvailable, floorCommand, runFloor } from './codec-floor.ts';
import { findImageMagick, runMagick } from './imagemagick.ts';
import { type Measurement, cpuMs, merge, runParallel, summarise } from './measure.ts';

const { values: args } = parseArgs({
  options: {
    input: { type: 'string', default: SAMPLE_PHOTOS_DIR },
    rounds: { type: 'string', default: '3' },
    parallel: { type: 'string', default: '2' },
    json: { type: 'string', default: DEFAULT_COST_JSON },
    'ladder-rounds': { type: 'string', default: '2' },
  },
});
const rounds = Number(args.rounds);
const parallel = Number(args.parallel);

function listPhotos(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && ['.jpg', '.jpeg'].includes(extname(f).toLowerCase()))
    .sort();
}

interface Photo {
  readonly path: string;
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
}

type Job = (photo: Photo) => Promise<number>;
interface Variant {
  readonly name: string;
  readonly threadsPerPhoto: number;
  readonly inFlight: number;
  readonly job: Job;
}

const photos: Photo[] = await Promise.all(
  listPhotos(args.input).map(async (path) => {
    const bytes = readFileSync(path);
    const meta = await sharp(bytes).metadata();
    return { path, bytes, width: meta.width ?? 0, height: meta.height ?? 0 };
  }),
);
if (photos.length === 0) throw new Error(`No JPEG photos under ${args.input}`);
const magick = findImageMagick();
const floor = floorAvailable();
const scratch = mkdtempSync(join(tmpdir(), 'darkroom-bench-'));

/** The same logo, at the same size and opacity the watermark op uses, as a file for ImageMagick. */
async function logoFileFor(photo: Photo): Promise<{ file: string; left: number; top: number }> {
  const place = placeLogo(photo, logoAspect(), 'southeast', 0.2, 0.03);
  const file = join(scratch, `logo-${place.width}x${place.height}.png`);
  const svg = DARKROOM_LOGO_SVG.replace('<svg ', '<svg opacity="0.7" ');
  writeFileSync(
    file,
    await sharp(Buffer.from(svg), { density: 72 * (place.width / 240) })
      .resize(place.width, place.height)
      .png()
      .toBuffer(),
  );
  return { file, left: place.left, top: place.top };
}
const logos = new Map(
  await Promise.all(photos.map(async (p) => [p.path, await logoFileFor(p)] as const)),
);

const sharpJob =
  (operation: ImageOperationName, options: Record<string, unknown> = {}): Job =>
  async (photo) =>
    (await imageOperations[operation](photo.bytes, options as never)).info.size;

/** Decode every pixel first, then resize: what a pipeline without shrink-on-load does. */
const fullDecodeThumbnail: Job = async (photo) => {
  const { data, info } = await sharp(photo.bytes, { failOn: 'truncated' })
    .rotate()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = await sharp(data, {
    raw: { width: info.width, height: info.height, channels: info.channels },
  })
    .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer();
  return out.byteLength;
};

const magickArgs: Record<ImageOperationName, (photo: Photo) => string[]> = {
  thumbnail: (p) => [p.path, '-auto-orient', '-thumbnail', '256x256>', '-quality', '85', 'jpg:-'],
  grayscale: (p) => [
    p.path,
    '-auto-orient',
    '-colorspace',
    'Gray',
    '-strip',
    '-quality',
    '85',
    'jpg:-',
  ],
  watermark: (p) => {
    const logo = logos.get(p.path);
    if (!logo) throw new Error(`no logo for ${p.path}`);
    return [
      p.path,
      '-auto-orient',
      logo.file,
      '-geometry',
      `+${logo.left}+${logo.top}`,
      '-composite',
      '-strip',
      '-quality',
      '85',
      'jpg:-',
    ];
  },
};

const FLOOR = 'codec floor (libjpeg-turbo djpeg | cjpeg)';

function variantsFor(operation: ImageOperationName): Variant[] {
  const base = { threadsPerPhoto: 1, inFlight: parallel };
  const list: Variant[] = [
    { ...base, name: 'sharp', job: sharpJob(operation) },
    {
      name: `sharp, 1 photo × ${parallel} threads`,
      threadsPerPhoto: parallel,
      inFlight: 1,
      job: sharpJob(operation),
    },
  ];
  if (operation === 'thumbnail')
    list.push({ ...base, name: 'sharp, full decode then resize', job: fullDecodeThumbnail });
  else
    list.push({
      ...base,
      name: 'sharp, optimiseCoding on',
      job: sharpJob(operation, { optimiseCoding: true }),
    });
  if (magick)
    list.push({
      ...base,
      name: `ImageMagick (${magick})`,
      job: (p) => runMagick(magick, magickArgs[operation](p)),
    });
  if (floor) list.push({ ...base, name: FLOOR, job: (p) => runFloor(floorCommand(operation, p)) });
  return list;
}

async function measure(variant: Variant): Promise<{ m: Measurement; latencies: number[] }> {
  tuneSharpForWorker({ threadsPerPhoto: variant.threadsPerPhoto });
  let bytesOut = 0;
  const cpuBefore = cpuMs();
  const start = performance.now();
  const latencies = await runParallel(
    photos.map((photo) => async () => {
      const size = await variant.job(photo);
      bytesOut += size;
    }),
    variant.inFlight,
  );
  const wall = performance.now() - start;
  return { m: summarise(latencies, wall, cpuMs() - cpuBefore, bytesOut), latencies };
}

function peakRss(operation: ImageOperationName): number {
  const probe = new URL('./rss-probe.ts', import.meta.url).pathname;
  const out = execFileSync(
    process.execPath,
    [
      '--conditions=@darkroom/source',
      probe,
      operation,
      String(parallel),
      ...photos.map((p) => p.path),
    ],
    { encoding: 'utf8' },
  );
  return (JSON.parse(out) as { maxRssMb: number }).maxRssMb;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const megapixels = photos.map((p) => (p.width * p.height) / 1e6);
console.log(`# image-ops bench — ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}${magick ? `, ${execFileSync(magick, ['-version'], { encoding: 'utf8' }).split('\n')[0]}` : ', ImageMagick not found (install imagemagick for the comparison)'}${floor ? '' : ', codec floor not measured (apt-get install libjpeg-turbo-progs netpbm)'}`,
);
console.log(
  `Input: ${photos.length} photos from ${args.input} (${fmt(Math.min(...megapixels))}–${fmt(Math.max(...megapixels))} MP), ${rounds} interleaved rounds, ${parallel} photos in flight\n`,
);

await sharpJob('thumbnail')(photos[0] as Photo); // warm up the module graph and logo cache
for (const operation of ['thumbnail', 'grayscale', 'watermark'] as const) {
  const variants = variantsFor(operation);
  const runs = new Map<string, { ms: Measurement[]; latencies: number[] }>(
    variants.map((v) => [v.name, { ms: [], latencies: [] }]),
  );
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const { m, latencies } = await measure(variant);
      const acc = runs.get(variant.name);
      acc?.ms.push(m);
      acc?.latencies.push(...latencies);
    }
  }
  const results = variants.map((v) => {
    const acc = runs.get(v.name);
    return { name: v.name, m: merge(acc?.ms ?? [], acc?.latencies ?? []) };
  });
  const ours = results[0]?.m;
  if (!ours) continue;
  console.log(
    `## ${operation}  (peak RSS of a worker-sized process, ${parallel} in flight: ${fmt(peakRss(operation), 0)} MB)\n`,
  );
  const floorCpu = results.find((r) => r.name === FLOOR)?.m.cpuMsPerPhoto;
  console.log(
    '| variant | median ms/photo | photos/s | CPU ms/photo | avg output KB | sharp speed-up (photos/s ratio) | CPU ÷ codec floor |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const { name, m } of results) {
    console.log(
      `| ${name} | ${fmt(m.medianMs)} | ${fmt(m.photosPerSecond, 2)} | ${fmt(m.cpuMsPerPhoto)} | ${fmt(m.bytesOut / m.photos / 1024)} | ${name === 'sharp' ? '—' : `${fmt(ours.photosPerSecond / m.photosPerSecond, 2)}×`} | ${floorCpu ? `${fmt(m.cpuMsPerPhoto / floorCpu, 2)}×` : '-'} |`,
    );
  }
  console.log('');
}

const costFile = args.json ?? DEFAULT_COST_JSON;
await writeCostLadder(
  photos.map((p) => p.bytes),
  costFile,
  Number(args['ladder-rounds']),
);
console.log(`CPU cost per photo by operation and megapixels (for \`npm run plan\`): ${costFile}`);
