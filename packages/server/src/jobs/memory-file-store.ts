import { checkFileKey, type FileStore } from './file-store.js';

/** A `FileStore` in memory (tests, `storage: 'memory'`). */
export class MemoryFileStore implements FileStore {
  private readonly files = new Map<string, Uint8Array>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    checkFileKey(key);
    this.files.set(key, new Uint8Array(bytes));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkFileKey(key);
    const f = this.files.get(key);
    return f && new Uint8Array(f);
  }

  async size(key: string): Promise<number | undefined> {
    checkFileKey(key);
    return this.files.get(key)?.byteLength;
  }

  async delete(key: string): Promise<void> {
    checkFileKey(key);
    this.files.delete(key);
  }
}
