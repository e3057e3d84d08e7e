/**
 * Where `npm start -- --keep-running` writes the running emulator's endpoint, bucket and queue
 * URLs (in the shape of the Pulumi stack outputs), relative to the working directory; the
 * `darkroom --local` CLI reads it from there.
 */
export const LOCAL_TARGET_FILE = '.darkroom/local.json';
