/**
 * The Darkroom logo, rasterised at the size a photo needs. Rendering an SVG costs about a
 * millisecond; photos in a burst share a handful of widths, so renders are kept in a small
 * bounded cache.
 */
import sharp from 'sharp';
import { DARKROOM_LOGO_SVG } from './logo-svg.ts';

const CACHE_LIMIT = 32;
const renders = new Map<string, Promise<Buffer>>();

function loadSvg(): string {
  return DARKROOM_LOGO_SVG;
}

let aspect: number | undefined;

/** The logo's aspect ratio (height / width), from the SVG's own viewBox; parsed once. */
export function logoAspect(): number {
  if (aspect !== undefined) return aspect;
  const match = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(loadSvg());
  if (!match?.[1] || !match[2]) throw new Error('The logo SVG has no "0 0 w h" viewBox');
  aspect = Number(match[2]) / Number(match[1]);
  return aspect;
}

/**
 * Render the logo as a PNG exactly `width` × `height` pixels with `opacity` applied.
 * @example await renderLogo(320, 107, 0.7)
 */
export function renderLogo(width: number, height: number, opacity: number): Promise<Buffer> {
  const key = `${width}x${height}@${opacity}`;
  const cached = renders.get(key);
  if (cached) return cached;
  const svg = loadSvg().replace('<svg ', `<svg opacity="${opacity}" `);
  const render = sharp(Buffer.from(svg), { density: 72 * Math.max(1, width / 240) })
    .resize(width, height, { fit: 'fill' })
    .png()
    .toBuffer();
  if (renders.size >= CACHE_LIMIT) {
    const oldest = renders.keys().next().value;
    if (oldest !== undefined) renders.delete(oldest);
  }
  renders.set(key, render);
  render.catch(() => renders.delete(key));
  return render;
}
