// pino logger factory. One line per outcome, child loggers carry context (appId,
// reconcileId); secrets are redacted wherever they appear in a logged object: by field name
// (pino's redaction, for structured fields), and by value in the finished line (the
// scrubber, for what an error message or a driver quotes).
//
// Two formats of the same lines: JSON for machines (the default when the output is not a
// terminal: log shippers, `docker logs`, CI), and one readable line per event for people
// (the default on a terminal, or --log-format pretty), by pino-pretty. The scrubber runs on
// the JSON line before either, so both are equally clean.

import { pino, type Logger, type LoggerOptions } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { BASIC_SCRUBBER, type Scrubber } from '../secrets/scrubber.js';

export type { Logger };

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

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
  /** `auto` (default): pretty on a terminal, JSON otherwise. */
  format?: LogFormat;
}

/** The form of an error in a log line: what it is, its stable code, what it says, why. */
export interface LoggedError {
  type: string;
  message: string;
  code?: string;
  cause?: LoggedError;
  /** Only for errors without a stable code: an unexpected failure, whose origin matters. */
  stack?: string;
}

/**
 * Serialises anything logged as `err`: an Error (its class, code, message and cause, the
 * stack only when it has no code of ours), an error record `{ message, code }`, or anything
 * else as its text. Never the error's other fields: a driver's error may carry a query, a
 * connection string or a request.
 */
export function serializeError(err: unknown, depth = 0): LoggedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    return {
      type: err.name || err.constructor?.name || 'Error',
      message: err.message,
      ...(code !== undefined ? { code: String(code) } : {}),
      ...(cause !== undefined && depth < 3 ? { cause: serializeError(cause, depth + 1) } : {}),
      ...(code === undefined && err.stack ? { stack: err.stack } : {}),
    };
  }
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    const code = (err as { code?: unknown }).code;
    return { type: 'Error', message: (err as { message: string }).message, ...(code !== undefined ? { code: String(code) } : {}) };
  }
  return { type: typeof err, message: String(err) };
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as NodeJS.WriteStream).isTTY === true;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const destination = opts.destination ?? process.stderr;
  const pretty = opts.format === 'pretty' || ((opts.format ?? 'auto') === 'auto' && isTerminal(destination));
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'maracker',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: (e: unknown) => serializeError(e) },
    hooks: { streamWrite: (opts.scrubber ?? BASIC_SCRUBBER).line },
  };
  if (!pretty) return pino(options, destination as pino.DestinationStream);
  const stream = prettyStream({
    destination,
    colorize: isTerminal(destination),
    // One line per event; the name and pid are the same on every line of one process.
    singleLine: true,
    ignore: 'pid,hostname,name',
    translateTime: 'SYS:HH:MM:ss.l',
    sync: true,
  });
  return pino(options, stream);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
