// The server's logger: one JSON line per event (pino), what log collectors read; on a terminal,
// the same events as readable lines through pino's own pretty printer.
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.ts';

type PinoPretty = typeof import('pino-pretty');

export function createLogger(
  level: LogLevel,
  output: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Logger {
  if (!output.isTTY) return pino({ level }, output);
  // Loaded only for a terminal (some 30 modules a start to a pipe or a file does not need); synchronously,
  // as pino-pretty is a CommonJS package.
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as PinoPretty;
  return pino(
    { level },
    pinoPretty({ destination: output, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}
