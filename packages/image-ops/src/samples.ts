import { fileURLToPath } from 'node:url';

/**
 * Folder of the sample photos (real photographs from Debian's plasma-workspace-wallpapers,
 * LGPL-3.0, see NOTICE.md), used by tests, the bench and `npm start`.
 */
export const SAMPLE_PHOTOS_DIR = fileURLToPath(new URL('../samples/', import.meta.url));
