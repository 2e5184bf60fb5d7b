import path from 'node:path';

export type RequestedFile = { file: string; fragment?: string } | { refused: string };

/**
 * The file a read_document call names, as a folder-relative `/` path. Accepts what search results show
 * (`leave-policy.md`), a source URL passed back whole (`docs:handbook/leave-policy.md#L12-L30`, whose
 * fragment becomes the location) and Windows separators. Refuses absolute paths and any path that climbs
 * out of the folder with `..`: only files inside the folder the user shared may be read.
 */
export function requestedFile(sourceName: string, input: string): RequestedFile {
  let value = input.trim();
  if (value.startsWith(`${sourceName}/`)) value = value.slice(sourceName.length + 1);
  let fragment: string | undefined;
  const hash = value.indexOf('#');
  if (hash >= 0) {
    fragment = value.slice(hash + 1);
    value = value.slice(0, hash);
  }
  value = value.replace(/\\/g, '/');
  if (value === '') return { refused: 'no file was named' };
  if (value.includes('\0') || path.posix.isAbsolute(value) || /^[a-z]:/i.test(value)) {
    return { refused: `"${input}" is an absolute path; only files inside ${sourceName} can be read` };
  }
  const normalized = path.posix.normalize(value);
  if (normalized === '..' || normalized.startsWith('../')) {
    return { refused: `"${input}" is outside ${sourceName}; only files inside it can be read` };
  }
  return fragment ? { file: normalized, fragment } : { file: normalized };
}

/** A URL-encoded name (`my%20notes.md`, as source URLs write it) decoded, or undefined if it is not one. */
export function decodedFile(file: string): string | undefined {
  if (!/%[0-9a-f]{2}/i.test(file)) return undefined;
  try {
    return decodeURIComponent(file);
  } catch {
    return undefined;
  }
}
