/**
 * The numeric environment variables of the CLI (`npm start`, README "Configuration"): each with its default and the
 * values it accepts. A value outside them stops the start with a message naming the variable, its value and the
 * range, rather than a server that comes up broken (a heartbeat of 0 pings clients in a loop, a lock lease of 0 ends
 * every lock at once, a window of hours holds every cursor) or one that fails later.
 */
export interface NumericVariable {
  /** The value when the variable is unset or empty. */
  fallback: number;
  min: number;
  max: number;
  /** Decimals are accepted (`0.5`); otherwise only integers. */
  decimal?: boolean;
  /** 0 is accepted too, below `min`, and means this (`off`, `unlimited`). */
  zero?: string;
}

const MAX_INT32 = 2 ** 31 - 1;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const NUMERIC_VARIABLES = {
  PORT: { fallback: 8000, min: 0, max: 65_535 },
  // Clients renew a lock at a third of the lease, but not more often than once a second: below 3 s a renewal
  // could arrive after the lease ended.
  SYNCLINE_LOCK_TTL_MS: { fallback: 30_000, min: 3_000, max: HOUR },
  SYNCLINE_MAX_ZONES: { fallback: 10_000, min: 1, max: 1_000_000 },
  SYNCLINE_MAX_CONN_PER_IP: { fallback: 1000, min: 0, max: 1_000_000 },
  SYNCLINE_MAX_CONN_PER_USER: { fallback: 20, min: 0, max: 1_000_000 },
  // A hello carries a token of up to 8192 characters; ws reads the limit as a signed 32-bit integer.
  SYNCLINE_MAX_PAYLOAD: { fallback: 64 * 1024, min: 16 * 1024, max: MAX_INT32 },
  // The hub looks at heartbeats once a second, and clients ping at this interval too.
  SYNCLINE_HEARTBEAT_MS: { fallback: 25_000, min: 1_000, max: HOUR },
  SYNCLINE_SESSION_GRACE_MS: { fallback: 120_000, min: 1_000, max: DAY },
  SYNCLINE_EPHEMERAL_WINDOW_MS: { fallback: 34, min: 0, max: 1_000 },
  SYNCLINE_BATCH_WINDOW_MS: { fallback: 2, min: 0, max: 1_000 },
  SYNCLINE_COMPRESSION_THRESHOLD: { fallback: 1024, min: 0, max: MAX_INT32 },
  // Every client of the system room gets each one.
  SYNCLINE_SYSTEM_STATUS_MS: { fallback: 10_000, min: 1_000, max: DAY, zero: 'off' },
  SYNCLINE_RESTART_HINT_MS: { fallback: 1000, min: 0, max: 600_000 },
  // An upload is held in memory whole while it is read.
  SYNCLINE_MAX_UPLOAD_BYTES: { fallback: 50 * 1024 * 1024, min: 1024, max: 1024 * 1024 * 1024 },
  SYNCLINE_JOB_CONCURRENCY: { fallback: 2, min: 1, max: 64 },
  SYNCLINE_JOB_MAX_ATTEMPTS: { fallback: 3, min: 1, max: 100 },
  SYNCLINE_JOB_MAX_PAGES_PER_SECOND: { fallback: 0, min: 0.1, max: 10_000, decimal: true, zero: 'unlimited' },
  SYNCLINE_DOWNLOAD_LINK_TTL_MS: { fallback: 60_000, min: 1_000, max: 7 * DAY },
} as const satisfies Record<string, NumericVariable>;

export type NumericVariableName = keyof typeof NUMERIC_VARIABLES;

/** A configuration the CLI refuses to start with. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The accepted values in words: `an integer from 1000 to 3600000`, `0 (off) or an integer from 1000 to 86400000`. */
export function describeRange(spec: NumericVariable): string {
  const range = `${spec.decimal ? 'a number' : 'an integer'} from ${spec.min} to ${spec.max}`;
  return spec.zero === undefined ? range : `0 (${spec.zero}) or ${range}`;
}

/** The accepted values as the README's table shows them: `1000–3600000`, `0 or 1000–86400000`. */
export function rangeText(spec: NumericVariable): string {
  const range = `${spec.min}–${spec.max}`;
  return spec.zero === undefined ? range : `0 or ${range}`;
}

/** One variable of `env`: its default when unset or empty, else its value if in range; otherwise a `ConfigError`. */
export function readNumber(
  env: Readonly<Record<string, string | undefined>>,
  name: NumericVariableName,
): number {
  const spec: NumericVariable = NUMERIC_VARIABLES[name];
  const raw = env[name];
  if (raw === undefined || raw === '') return spec.fallback;
  // Plain decimal digits only: `Number` would also take `0x10`, `1e3` or `Infinity`.
  const text = raw.trim();
  if ((spec.decimal ? /^\d+(\.\d+)?$/ : /^\d+$/).test(text)) {
    const n = Number(text);
    if ((n === 0 && spec.zero !== undefined) || (n >= spec.min && n <= spec.max)) return n;
  }
  throw new ConfigError(`${name} must be ${describeRange(spec)}, got ${JSON.stringify(raw.slice(0, 64))}`);
}

/**
 * The variables that take one of a few words, each with the words it accepts, its default first (when unset or
 * empty). Any other value stops the start: `SYNCLINE_STORAGE=postgres` used to run on SQLite, `SYNCLINE_TRUST_PROXY=yes`
 * without the proxy's addresses, each silently.
 */
export const CHOICE_VARIABLES = {
  SYNCLINE_STORAGE: ['sqlite', 'memory'],
  SYNCLINE_DEV_MODE: ['0', '1'],
  SYNCLINE_TRUST_PROXY: ['0', '1'],
  SYNCLINE_COMPRESSION: ['0', '1'],
  SYNCLINE_RATE_LIMIT: ['on', 'off'],
  SYNCLINE_JOBS: ['on', 'off'],
} as const satisfies Record<string, readonly string[]>;

export type ChoiceVariableName = keyof typeof CHOICE_VARIABLES;
type Choice<N extends ChoiceVariableName> = (typeof CHOICE_VARIABLES)[N][number];

/** The accepted words as the README's table shows them: `` `sqlite`, `memory` ``. */
export function choicesText(name: ChoiceVariableName): string {
  return CHOICE_VARIABLES[name].map((w) => `\`${w}\``).join(', ');
}

/** One word variable of `env`: its default when unset or empty, else its value (trimmed) if accepted. */
export function readChoice<N extends ChoiceVariableName>(
  env: Readonly<Record<string, string | undefined>>,
  name: N,
): Choice<N> {
  const words: readonly string[] = CHOICE_VARIABLES[name];
  const raw = env[name];
  if (raw === undefined || raw === '') return words[0] as Choice<N>;
  const word = raw.trim();
  if (words.includes(word)) return word as Choice<N>;
  const hint = name === 'SYNCLINE_STORAGE' ? ' (PostgreSQL is DATABASE_URL)' : '';
  throw new ConfigError(
    `${name} must be one of ${words.join(', ')}, got ${JSON.stringify(raw.slice(0, 64))}${hint}`,
  );
}

/** Every numeric and word variable of `env`, or one `ConfigError` naming each bad one (a line each). */
export function readSettings(env: Readonly<Record<string, string | undefined>>): {
  numbers: Record<NumericVariableName, number>;
  choices: { [N in ChoiceVariableName]: Choice<N> };
} {
  const problems: string[] = [];
  let numbers = {} as Record<NumericVariableName, number>;
  try {
    numbers = readNumbers(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message);
  }
  const choices = {} as Record<ChoiceVariableName, string>;
  for (const name of Object.keys(CHOICE_VARIABLES) as ChoiceVariableName[]) {
    try {
      choices[name] = readChoice(env, name);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return { numbers, choices: choices as { [N in ChoiceVariableName]: Choice<N> } };
}

/** Every numeric variable of `env`, or one `ConfigError` naming each bad one (a line each). */
export function readNumbers(
  env: Readonly<Record<string, string | undefined>>,
): Record<NumericVariableName, number> {
  const values = {} as Record<NumericVariableName, number>;
  const problems: string[] = [];
  for (const name of Object.keys(NUMERIC_VARIABLES) as NumericVariableName[]) {
    try {
      values[name] = readNumber(env, name);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return values;
}
