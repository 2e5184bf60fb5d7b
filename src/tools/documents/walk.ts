import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { formatOf, type DocumentFormat } from './extract';

/** One readable file of the folder, as found by a walk. */
export interface FileEntry {
  /** Relative to the folder, with `/` separators on every platform: the name the model sees. */
  file: string;
  absolutePath: string;
  format: DocumentFormat;
  size: number;
  mtimeMs: number;
}

export interface FolderListing {
  files: FileEntry[];
  /**
   * Changes whenever a file is added, removed, renamed or modified. Built from every file's size and
   * mtime rather than only the newest mtime, so a file replaced by an older copy (`cp -p`, `git checkout`)
   * is noticed too.
   */
  signature: string;
}

/**
 * Lists the supported files under `root`, recursively. Runs before every tool call, so it only stats:
 * nothing is read. Dotfiles and dot-folders (.git, .DS_Store, editor swap files) are skipped, and so are
 * symbolic links: a link could point outside the folder the user chose to share.
 */
export async function listFolder(root: string): Promise<FolderListing> {
  const files: FileEntry[] = [];
  await walk(root, '', files);
  files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.file}\0${f.size}\0${f.mtimeMs}\n`);
  return { files, signature: hash.digest('hex') };
}

async function walk(root: string, relativeDir: string, into: FileEntry[]): Promise<void> {
  const dir = path.join(root, relativeDir);
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      await walk(root, relative, into);
      continue;
    }
    if (!entry.isFile()) continue;
    const format = formatOf(entry.name);
    if (!format) continue;
    const absolutePath = path.join(dir, entry.name);
    // A file deleted between readdir and stat is simply not listed; the next call sees the new state.
    const info = await lstat(absolutePath).catch(() => undefined);
    if (!info?.isFile()) continue;
    into.push({ file: relative, absolutePath, format, size: info.size, mtimeMs: info.mtimeMs });
  }
}
