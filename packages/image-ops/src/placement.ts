import type { Gravity } from './options.ts';

/** Where to draw a logo of `logo` size on a `photo`, in pixels. */
export interface Placement {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
}

interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * Size and place the logo: `scale` × photo width, shrunk if needed so it fits inside the photo
 * minus the margins; the margin is `margin` × the shorter side, and drops to 0 on photos so small
 * that the margin would leave no room. Never smaller than 1 × 1.
 *
 * @example placeLogo({ width: 1600, height: 1000 }, 0.3, 'southeast', 0.2, 0.03)
 * // { width: 320, height: 107, left: 1250, top: 863 }
 */
export function placeLogo(
  photo: Size,
  aspect: number,
  gravity: Gravity,
  scale: number,
  margin: number,
): Placement {
  let gap = Math.round(Math.min(photo.width, photo.height) * margin);
  if (photo.width - 2 * gap < 1 || photo.height - 2 * gap < 1) gap = 0;
  const maxWidth = photo.width - 2 * gap;
  const maxHeight = photo.height - 2 * gap;
  let width = Math.max(1, Math.round(photo.width * scale));
  let height = Math.max(1, Math.round(width * aspect));
  if (width > maxWidth || height > maxHeight) {
    const shrink = Math.min(maxWidth / width, maxHeight / height);
    width = Math.max(1, Math.floor(width * shrink));
    height = Math.max(1, Math.floor(height * shrink));
  }
  const x = {
    start: gap,
    centre: Math.round((photo.width - width) / 2),
    end: photo.width - width - gap,
  };
  const y = {
    start: gap,
    centre: Math.round((photo.height - height) / 2),
    end: photo.height - height - gap,
  };
  const horizontal = gravity.endsWith('east')
    ? x.end
    : gravity.endsWith('west')
      ? x.start
      : x.centre;
  const vertical = gravity.startsWith('north')
    ? y.start
    : gravity.startsWith('south')
      ? y.end
      : y.centre;
  return { width, height, left: horizontal, top: vertical };
}
