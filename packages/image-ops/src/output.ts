/**
 * Output encoding shared by the operations. Opaque photos become JPEG (what every photo viewer
 * and browser shows, and the smallest for photographic content); inputs with an alpha channel
 * stay PNG so transparency survives. All metadata is stripped — EXIF (GPS position, camera
 * serial numbers), XMP and IPTC never leak into results — and pixels are converted to sRGB,
 * which is what an untagged image is assumed to be.
 */
import type { Sharp } from 'sharp';
import { fromSharpError } from './errors.ts';

export type OutputFormat = 'jpeg' | 'png';

/** The result of an operation. */
export interface ImageResult {
  readonly data: Buffer;
  readonly info: {
    readonly format: OutputFormat;
    readonly width: number;
    readonly height: number;
    /** Size of `data` in bytes. */
    readonly size: number;
    readonly channels: number;
  };
  /** MIME type to store the result with, e.g. as an S3 Content-Type. */
  readonly contentType: 'image/jpeg' | 'image/png';
}

export interface EncodeSettings {
  readonly quality: number;
  readonly optimiseCoding: boolean;
}

/** Pick the output format: PNG when transparency must survive, JPEG otherwise. */
export function outputFormatFor(hasAlpha: boolean): OutputFormat {
  return hasAlpha ? 'png' : 'jpeg';
}

/**
 * Encode a pipeline and collect the result.
 *
 * @throws {CorruptImageError} when decoding fails part-way (truncated data is found late).
 */
export async function encode(
  pipeline: Sharp,
  format: OutputFormat,
  settings: EncodeSettings,
): Promise<ImageResult> {
  const encoder =
    format === 'png'
      ? pipeline.png({ compressionLevel: 6, adaptiveFiltering: false })
      : pipeline.jpeg({
          quality: settings.quality,
          optimiseCoding: settings.optimiseCoding,
          chromaSubsampling: '4:2:0',
        });
  try {
    const { data, info } = await encoder.toBuffer({ resolveWithObject: true });
    return {
      data,
      info: {
        format,
        width: info.width,
        height: info.height,
        size: data.byteLength,
        channels: info.channels,
      },
      contentType: format === 'png' ? 'image/png' : 'image/jpeg',
    };
  } catch (error) {
    throw fromSharpError(error, 'decode');
  }
}
