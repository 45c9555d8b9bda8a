import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { checkFileKey, type FileStore } from './file-store.js';

/**
 * A `FileStore` on the local disk, under `dir` (the data dir's `files/`). A file is written to a temporary
 * name and renamed into place, so a reader never sees half a file and a crash leaves no torn one.
 */
export class DiskFileStore implements FileStore {
  private readonly dir: string;
  private tmpCounter = 0;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  private path(key: string): string {
    checkFileKey(key);
    return join(this.dir, key);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${++this.tmpCounter}.tmp`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
