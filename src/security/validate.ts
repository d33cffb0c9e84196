/**
 * Shared error building for header and CSP validation.
 * @module
 */

/** Builds a TypeError whose message names the header and the offending part. */
export const invalid = (what: string, detail: string): TypeError => new TypeError(`Invalid ${what}: ${detail}`);
export const cspError = (detail: string): TypeError => invalid('Content-Security-Policy', detail);

