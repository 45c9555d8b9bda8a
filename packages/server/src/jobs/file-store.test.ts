import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskFileStore } from './disk-file-store.js';
import type { FileStore } from './file-store.js';
import { MemoryFileStore } from './memory-file-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const disk = () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-files-'));
  dirs.push(dir);
  return new DiskFileStore(dir);
};

describe.each([
  ['MemoryFileStore', () => new MemoryFileStore()],
  ['DiskFileStore', disk],
] as [string, () => FileStore][])('%s', (_name, make) => {
  it('stores, reads, sizes, replaces and deletes files', async () => {
    const files = make();
    expect(await files.get('document/a.pdf')).toBeUndefined();
    await files.put('document/a.pdf', new Uint8Array([1, 2, 3]));
    expect(await files.get('document/a.pdf')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await files.size('document/a.pdf')).toBe(3);
    await files.put('document/a.pdf', new Uint8Array([9]));
    expect(await files.get('document/a.pdf')).toEqual(new Uint8Array([9]));
    await files.delete('document/a.pdf');
    expect(await files.size('document/a.pdf')).toBeUndefined();
    await files.delete('document/a.pdf');
  });

  it('refuses keys that could escape its directory', async () => {
    const files = make();
    for (const key of ['../x', '/etc/passwd', 'a/../../b', 'a\\b', '', 'a//b', '..']) {
      await expect(files.put(key, new Uint8Array(1))).rejects.toThrow(/invalid file key/);
    }
  });
});

it('DiskFileStore leaves no temporary files behind', async () => {
  const files = disk();
  await files.put('export/x.jsonl', new Uint8Array(10));
  expect(readdirSync(join(dirs[0], 'export'))).toEqual(['x.jsonl']);
});
