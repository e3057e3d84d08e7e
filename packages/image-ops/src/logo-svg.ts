/**
 * The Darkroom logo (original artwork), inlined so bundled workers need no asset files.
 * `assets/darkroom-logo.svg` is the same file for people to view; a test keeps the two identical.
 */
export const DARKROOM_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80" viewBox="0 0 240 80">
  <!-- Darkroom mark (original artwork, Apache-2.0 with this repository).
       Shapes only, no <text>: container images have no fonts, and the mark must render anywhere. -->
  <rect x="2" y="2" width="236" height="76" rx="16" fill="#111111" fill-opacity="0.55" stroke="#ffffff" stroke-width="4"/>
  <circle cx="40" cy="40" r="24" fill="none" stroke="#ffffff" stroke-width="6"/>
  <path d="M40 16 L52 40 L40 64 L28 40 Z" fill="#ff3b30"/>
  <circle cx="40" cy="40" r="7" fill="#ffffff"/>
  <rect x="80" y="20" width="140" height="10" rx="5" fill="#ffffff"/>
  <rect x="80" y="36" width="104" height="10" rx="5" fill="#ffffff"/>
  <rect x="80" y="52" width="124" height="10" rx="5" fill="#ff3b30"/>
</svg>
`;
