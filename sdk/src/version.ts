// The package version, sent in User-Agent; a test pins it to package.json so the two cannot drift.
export const SDK_VERSION = '0.1.0';

/** `tessera-sdk/<version> node/<version>`: lets the API's operators see which clients call them. */
export function userAgent(): string {
  return `tessera-sdk/${SDK_VERSION} node/${process.versions.node}`;
}
