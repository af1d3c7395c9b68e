// The server's logger: one JSON line per event (pino), what log collectors read; on a terminal,
// the same events as readable lines through pino's own pretty printer.
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogLevel } from './config.ts';

export function createLogger(level: LogLevel, output: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Logger {
  if (!output.isTTY) return pino({ level }, output);
  return pino({ level }, pinoPretty({ destination: output, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}
