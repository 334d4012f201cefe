// On-demand loading of the optional peer dependencies, with a typed error naming the package.

import { MissingDependencyError } from './errors.js';

/** The optional packages, by what they are used for. */
export type OptionalPackage = 'sharp' | 'music-metadata' | 'ogg-opus-decoder' | 'file-type';

const cache = new Map<string, Promise<unknown>>();

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Imports `specifier` once. A package that is not installed becomes a
 * {@link MissingDependencyError} naming `packageName`; any other failure is rethrown.
 * @internal exported for tests
 */
export function importOptional<T>(
  specifier: string,
  packageName: string,
  purpose: string,
): Promise<T> {
  let loading = cache.get(specifier);
  if (loading === undefined) {
    loading = import(specifier).catch((error: unknown) => {
      cache.delete(specifier);
      if (isNotFound(error)) throw new MissingDependencyError(packageName, purpose, error);
      throw error;
    });
    cache.set(specifier, loading);
  }
  return loading as Promise<T>;
}

/** Imports one of the optional peers. @throws {MissingDependencyError} when not installed. */
export function loadOptional<T>(name: OptionalPackage, purpose: string): Promise<T> {
  return importOptional<T>(name, name, purpose);
}

/** Like {@link loadOptional}, but `undefined` when the package is not installed. */
export async function tryLoadOptional<T>(name: OptionalPackage): Promise<T | undefined> {
  try {
    return await loadOptional<T>(name, name);
  } catch (error) {
    if (error instanceof MissingDependencyError) return undefined;
    throw error;
  }
}
