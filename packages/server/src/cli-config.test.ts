import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHOICE_VARIABLES,
  type ChoiceVariableName,
  ConfigError,
  choicesText,
  describeRange,
  NUMERIC_VARIABLES,
  type NumericVariable,
  type NumericVariableName,
  rangeText,
  readChoice,
  readNumber,
  readNumbers,
  readSettings,
} from './cli-config.js';

const NAMES = Object.keys(NUMERIC_VARIABLES) as NumericVariableName[];
const spec = (name: NumericVariableName): NumericVariable => NUMERIC_VARIABLES[name];
const read = (name: NumericVariableName, value: string) => readNumber({ [name]: value }, name);

/** The README's configuration table, a row of trimmed cells per line (the header first). */
function configTableRows(): string[][] {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  return readme
    .slice(readme.indexOf('## Configuration'))
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').map((cell) => cell.trim()));
}

describe('CLI numeric variables', () => {
  it('are their defaults when unset or empty (an env file writes unset ones empty)', () => {
    const defaults = Object.fromEntries(NAMES.map((n) => [n, spec(n).fallback]));
    expect(readNumbers({})).toEqual(defaults);
    expect(readNumbers(Object.fromEntries(NAMES.map((n) => [n, ''])))).toEqual(defaults);
    expect(defaults).toMatchObject({ SYNCLINE_HEARTBEAT_MS: 25_000, SYNCLINE_JOB_MAX_PAGES_PER_SECOND: 0 });
  });

  it('refuse a heartbeat of 0 naming the variable, the value and the range', () => {
    expect(() => read('SYNCLINE_HEARTBEAT_MS', '0')).toThrow(
      new ConfigError('SYNCLINE_HEARTBEAT_MS must be an integer from 1000 to 3600000, got "0"'),
    );
  });

  it.each(NAMES)('%s: takes its range, its ends included, and refuses anything else', (name) => {
    const s = spec(name);
    const message = `${name} must be ${describeRange(s)}, got `;
    // Within the range (and the default is in it, or the 0 it allows).
    for (const ok of [s.min, s.max, Math.round((s.min + s.max) / 2)]) expect(read(name, String(ok))).toBe(ok);
    expect(s.fallback === 0 ? s.zero !== undefined : s.fallback >= s.min && s.fallback <= s.max).toBe(true);
    expect(read(name, ` ${s.max} `)).toBe(s.max);
    // Outside it, or not a plain decimal number.
    const below = s.min > 0 ? [s.decimal ? s.min / 2 : s.min - 1, -s.min] : [];
    const bad = [...below, s.max + 1, -1, 'abc', '1e3', '0x10', 'Infinity', 'NaN', '1,000', '  '];
    if (!s.decimal) bad.push(`${s.min}.5`);
    if (s.zero === undefined && s.min > 0) bad.push(0);
    for (const value of bad) {
      expect(() => read(name, String(value)), `${name}=${value}`).toThrow(
        `${message}${JSON.stringify(String(value))}`,
      );
    }
    if (s.zero !== undefined) expect(read(name, '0')).toBe(0);
  });

  it('take decimals where they mean something (pages per second), nowhere else', () => {
    expect(read('SYNCLINE_JOB_MAX_PAGES_PER_SECOND', '0.5')).toBe(0.5);
    expect(() => read('SYNCLINE_JOB_MAX_PAGES_PER_SECOND', '0.05')).toThrow(
      'SYNCLINE_JOB_MAX_PAGES_PER_SECOND must be 0 (unlimited) or a number from 0.1 to 10000, got "0.05"',
    );
    expect(() => read('SYNCLINE_JOB_CONCURRENCY', '1.5')).toThrow(
      'SYNCLINE_JOB_CONCURRENCY must be an integer from 1 to 64, got "1.5"',
    );
  });

  it('refuse 0 where it is no setting: a concurrency of 0 used to be taken as 1 silently', () => {
    expect(() => read('SYNCLINE_JOB_CONCURRENCY', '0')).toThrow(/^SYNCLINE_JOB_CONCURRENCY must be/);
    expect(() => read('SYNCLINE_LOCK_TTL_MS', '0')).toThrow(/^SYNCLINE_LOCK_TTL_MS must be/);
    expect(() => read('SYNCLINE_SYSTEM_STATUS_MS', '500')).toThrow(
      'SYNCLINE_SYSTEM_STATUS_MS must be 0 (off) or an integer from 1000 to 86400000, got "500"',
    );
  });

  it('are all checked at once: every bad one named, a line each', () => {
    let error: unknown;
    try {
      readNumbers({ SYNCLINE_HEARTBEAT_MS: '0', PORT: '70000', SYNCLINE_LOCK_TTL_MS: '30000' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.split('\n')).toEqual([
      'PORT must be an integer from 0 to 65535, got "70000"',
      'SYNCLINE_HEARTBEAT_MS must be an integer from 1000 to 3600000, got "0"',
    ]);
  });

  it('are each in the README configuration table with their range', () => {
    const rows = configTableRows();
    const header = rows[0];
    const range = header.indexOf('range');
    expect(range).toBeGreaterThan(0);
    for (const name of NAMES) {
      const row = rows.find((r) => r[1].split(' / ')[0] === `\`${name}\``);
      expect(row, name).toBeDefined();
      expect(row?.[range], name).toBe(rangeText(spec(name)));
    }
  });

  it('are each in the README configuration table with their default', () => {
    const rows = configTableRows();
    const column = rows[0].indexOf('default');
    expect(column).toBeGreaterThan(0);
    for (const name of NAMES) {
      const row = rows.find((r) => r[1].split(' / ')[0] === `\`${name}\``);
      const { fallback, zero } = spec(name);
      // `8000` / all interfaces, `52428800` (50 MiB); a default of 0 is said in words (`unlimited`).
      const shown = fallback === 0 && zero !== undefined ? zero : `\`${fallback}\``;
      expect(row?.[column].split(/ \/ | \(/)[0], name).toBe(shown);
    }
  });
});

describe('CLI word variables', () => {
  const WORDS = Object.keys(CHOICE_VARIABLES) as ChoiceVariableName[];

  it('are their defaults when unset or empty, and take each of their words', () => {
    for (const name of WORDS) {
      expect(readChoice({}, name)).toBe(CHOICE_VARIABLES[name][0]);
      expect(readChoice({ [name]: '' }, name)).toBe(CHOICE_VARIABLES[name][0]);
      for (const word of CHOICE_VARIABLES[name]) expect(readChoice({ [name]: ` ${word} ` }, name)).toBe(word);
    }
  });

  it('refuse any other word, naming the variable, the value and the words (no silent default)', () => {
    expect(() => readChoice({ SYNCLINE_STORAGE: 'postgres' }, 'SYNCLINE_STORAGE')).toThrow(
      new ConfigError(
        'SYNCLINE_STORAGE must be one of sqlite, memory, got "postgres" (PostgreSQL is DATABASE_URL)',
      ),
    );
    expect(() => readChoice({ SYNCLINE_TRUST_PROXY: 'yes' }, 'SYNCLINE_TRUST_PROXY')).toThrow(
      new ConfigError('SYNCLINE_TRUST_PROXY must be one of 0, 1, got "yes"'),
    );
    expect(() => readChoice({ SYNCLINE_JOBS: 'OFF' }, 'SYNCLINE_JOBS')).toThrow(
      /SYNCLINE_JOBS must be one of on, off/,
    );
  });

  it('are checked with the numbers, every bad one named', () => {
    let error: unknown;
    try {
      readSettings({
        SYNCLINE_HEARTBEAT_MS: '0',
        SYNCLINE_STORAGE: 'postgres',
        SYNCLINE_COMPRESSION: 'true',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.split('\n').map((line) => line.split(' ')[0])).toEqual([
      'SYNCLINE_HEARTBEAT_MS',
      'SYNCLINE_STORAGE',
      'SYNCLINE_COMPRESSION',
    ]);
    expect(readSettings({}).choices).toMatchObject({ SYNCLINE_STORAGE: 'sqlite', SYNCLINE_JOBS: 'on' });
  });

  it('are each in the README configuration table with their words', () => {
    const rows = configTableRows();
    const range = rows[0].indexOf('range');
    for (const name of WORDS) {
      const row = rows.find((r) => r[1] === `\`${name}\``);
      expect(row?.[range], name).toBe(choicesText(name));
    }
  });
});
