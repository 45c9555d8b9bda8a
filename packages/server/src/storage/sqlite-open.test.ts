import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite } from './sqlite-open.js';

describe('openSqlite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'syncline-open-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pageSizeOf = (path: string, options = {}) => {
    const { db } = openSqlite(path, options, (d) => d.exec('CREATE TABLE IF NOT EXISTS t (x)'));
    try {
      return {
        pageSize: db.pragma('page_size', { simple: true }),
        mode: db.pragma('journal_mode', { simple: true }),
      };
    } finally {
      db.close();
    }
  };

  it('makes new files in WAL mode with 1 KiB pages, or the page size asked for', () => {
    expect(pageSizeOf(join(dir, 'a.db'))).toEqual({ pageSize: 2048, mode: 'wal' });
    expect(pageSizeOf(join(dir, 'sub', 'b.db'), { pageSize: 8192 })).toEqual({ pageSize: 8192, mode: 'wal' });
  });

  it('leaves the page size of an existing file alone', () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.pragma('page_size = 4096');
    old.exec('CREATE TABLE t (x)');
    old.close();
    expect(pageSizeOf(path)).toEqual({ pageSize: 4096, mode: 'wal' });
  });

  it('refuses a page size SQLite would ignore', () => {
    for (const pageSize of [0, 1000, 256, 131072, 1.5]) {
      expect(() => openSqlite(join(dir, 'c.db'), { pageSize }, () => {})).toThrow(/pageSize/);
    }
  });
});
