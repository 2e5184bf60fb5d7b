/** A sources file or source that cannot be used as configured: the message names the source and the fix. */
export class SourcesConfigError extends Error {
  override name = 'SourcesConfigError';
}

/** `${VAR}` in a configured value becomes the worker's VAR; a missing one is a configuration error. */
export function expandEnv(value: string, env: NodeJS.ProcessEnv, where: string): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
    const found = env[name];
    if (found === undefined)
      throw new SourcesConfigError(`${where} needs ${name}, which is not set on the worker`);
    return found;
  });
}
