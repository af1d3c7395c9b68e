/**
 * The value parsers of the configuration table (server/config.ts): durations, byte sizes, bounded
 * integers and choices, and the `Problem` a parser returns for a value it refuses. Apart from the
 * table so that the table reads as a list of variables, and so that the syntaxes can be tested on
 * their own (server/config-values.test.ts).
 *
 * A parser takes the set, trimmed text of one variable and returns its value or a Problem saying
 * why, for people; `loadConfig` adds the variable's name and the value.
 */

/** The units durations are counted in (milliseconds) and sizes (bytes). */
export const SECOND = 1000;
const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
export const KIB = 1024;
export const MIB = 1024 * KIB;

/** What a parser returns for a value it refuses: why, for people (`loadConfig` adds the name and the value). */
export class Problem {
  readonly why: string;

  constructor(why: string) {
    this.why = why;
  }
}

const NUMBER = String.raw`\d+(?:[.,]\d+)?`;
const ISO_DURATION = new RegExp(
  `^P(?:(${NUMBER})W)?(?:(${NUMBER})D)?(?:T(?:(${NUMBER})H)?(?:(${NUMBER})M)?(?:(${NUMBER})S)?)?$`,
  'i',
);
const UNIT_DURATION = /^(\d+(?:\.\d+)?) ?(ms|s|m|h|d)$/;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };

/**
 * Parses a duration into whole milliseconds (rounded): an ISO 8601 duration made of weeks, days,
 * hours, minutes and seconds (`P7D`, `PT15M`, `P1DT12H`), or a number with a unit (`500ms`,
 * `30s`, `15m`, `2h`, `7d`). Returns undefined when the text is malformed; zero is well formed
 * (range checks are the caller's business).
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  let ms: number;
  const iso = ISO_DURATION.exec(trimmed);
  if (iso) {
    const [, weeks, days, hours, minutes, seconds] = iso;
    const parts: [string | undefined, number][] = [
      [weeks, WEEK],
      [days, DAY],
      [hours, HOUR],
      [minutes, MINUTE],
      [seconds, SECOND],
    ];
    if (parts.every(([value]) => value === undefined)) return undefined; // "P", "PT"
    if (/T$/i.test(trimmed)) return undefined; // "P1DT": a time designator with no time
    ms = parts.reduce(
      (sum, [value, unit]) => sum + (value === undefined ? 0 : Number(value.replace(',', '.')) * unit),
      0,
    );
  } else {
    const unit = UNIT_DURATION.exec(trimmed);
    if (!unit) return undefined;
    ms = Number(unit[1]) * (DURATION_UNITS[unit[2] ?? ''] ?? Number.NaN);
  }
  ms = Math.round(ms);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: KIB, mb: MIB };

/** Parses a byte size: a plain byte count, or `<n>b`, `<n>kb`, `<n>mb` (1024-based, case-insensitive). */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?) ?(b|kb|mb)?$/i.exec(text.trim());
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * (BYTE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? Number.NaN));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * Durations are an ISO 8601 duration built from weeks, days, hours, minutes and seconds (`P7D`,
 * `PT15M`, `PT30S`, `P1DT12H`, `PT0.5S`; years and months are refused because they have no fixed
 * length) or a number with a unit: `500ms`, `30s`, `15m`, `2h`, `7d` (decimals allowed, e.g.
 * `1.5h`). A bare number is refused: its unit would be a guess.
 */
const DURATION_HINT = 'expected an ISO 8601 duration (P7D, PT15M) or a number with a unit (30s, 15m, 7d)';

function formatDuration(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} day${ms === DAY ? '' : 's'}`;
  if (ms % HOUR === 0) return `${ms / HOUR} hour${ms === HOUR ? '' : 's'}`;
  return `${ms} ms`;
}

/** A parser for a duration from 0 (`0` or any zero duration) to `max` milliseconds. */
export function durationOrZero(max: number): (text: string) => number | Problem {
  const positive = duration(max);
  return (text) => {
    if (text === '0' || parseDuration(text) === 0) return 0;
    const parsed = positive(text);
    return parsed instanceof Problem && parseDuration(text) !== undefined
      ? new Problem(`must be at most ${formatDuration(max)} (0: none)`)
      : parsed;
  };
}

/** A parser for a duration that must be more than 0 and at most `max` milliseconds. */
export function duration(max: number): (text: string) => number | Problem {
  return (text) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      return new Problem(
        /^P(?:[\d.,]+[WD])*[\d.,]+[YM]/i.test(text)
          ? 'years and months have no fixed length; use days or weeks (P365D, P4W) or a number with a unit (7d)'
          : DURATION_HINT,
      );
    }
    if (ms <= 0 || ms > max) return new Problem(`must be more than 0 and at most ${formatDuration(max)}`);
    return ms;
  };
}

/** A parser for an integer from 0 to `max` (at most `digits` digits), with `hint` when it is not. */
export function integer(digits: number, max: number, hint: string): (text: string) => number | Problem {
  const pattern = new RegExp(`^\\d{1,${digits}}$`);
  return (text) => {
    const value = pattern.test(text) ? Number(text) : Number.NaN;
    return Number.isInteger(value) && value <= max ? value : new Problem(hint);
  };
}

/** A parser for one of `choices`, case-insensitive. */
export function oneOf<T extends string>(choices: readonly T[], hint: string): (text: string) => T | Problem {
  return (text) => choices.find((choice) => choice === text.toLowerCase()) ?? new Problem(hint);
}
