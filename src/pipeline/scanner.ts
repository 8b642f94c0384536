/**
 * What a local scan loads once it has files to read: the extractors and the build-ARG rescan.
 * `npm run build` bundles this module, with every module of ours it imports, into one file
 * (scripts/bundle-scanner.mjs): Node's ES module loader costs about 0.6 ms per module, and the
 * scanner is 47 of them, a tenth of a whole `scan` of a few thousand files. Packages stay imports.
 */
export { scanAs, scanText } from "../core/extract.js";
export { withBuildArgs } from "../core/rescan.js";
