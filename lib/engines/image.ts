/**
 * The companion server image the constructs deploy by default: the name .github/workflows/image.yml publishes
 * to GHCR on a `v<version>` tag, tagged with this package's version so a library release and its image match.
 * test/constructs/canary-image.test.ts checks the version against package.json.
 */
export const COMPANION_IMAGE_REPOSITORY = 'ghcr.io/rtmp-k8s/rtmp-server';

/** The package version (kept equal to package.json's `version` by a test). */
export const PACKAGE_VERSION = '0.1.0';

/** `ghcr.io/rtmp-k8s/rtmp-server:<package version>`. */
export const DEFAULT_COMPANION_IMAGE = `${COMPANION_IMAGE_REPOSITORY}:${PACKAGE_VERSION}`;
