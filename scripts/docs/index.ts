/**
 * The generated documents: repository-relative path → renderer.
 *
 * @module
 */
import { renderConfigurationDoc } from './configuration.ts';
import { renderErrorsDoc } from './errors.ts';

/** Each generated file and the function that renders it. */
export const GENERATED_DOCS: ReadonlyArray<readonly [path: string, render: () => string]> = [
  ['docs/errors.md', renderErrorsDoc],
  ['docs/configuration.md', renderConfigurationDoc],
];
