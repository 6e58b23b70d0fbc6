// pino logger factory. One line per outcome, child loggers carry context (appId,
// reconcileId); secrets are redacted wherever they appear in a logged object: by field name
// (pino's redaction, for structured fields), and by value in the finished line (the
// scrubber, for what an error message or a driver quotes).

import { pino, type Logger, type LoggerOptions } from 'pino';
import { BASIC_SCRUBBER, type Scrubber } from '../secrets/scrubber.js';

export type { Logger };

/** Paths pino blanks out in every log line, whatever logs them. */
export const REDACT_PATHS = [
  'password',
  'token',
  'authorization',
  '*.password',
  '*.token',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'config.marathonPassword',
  'config.marathonToken',
  'config.statusToken',
  'config.databaseUrl',
  'databaseUrl',
];

export interface LogOptions {
  level?: string;
  /** Where lines go; defaults to stderr so stdout stays for command output. */
  destination?: NodeJS.WritableStream;
  name?: string;
  /** Applied to every finished line. Default: URL credentials and header values only (no configured secrets). */
  scrubber?: Scrubber;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'maracker',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: (opts.scrubber ?? BASIC_SCRUBBER).line },
  };
  return pino(options, (opts.destination ?? process.stderr) as pino.DestinationStream);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
