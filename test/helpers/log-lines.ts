// A real pino logger whose lines the test can read back.

import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/base/log.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function recordingLogger(level = 'debug'): { logger: Logger; lines: () => LogLine[]; messages: () => string[] } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString('utf8'));
      done();
    },
  });
  const lines = (): LogLine[] =>
    raw
      .join('')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as LogLine);
  return { logger: createLogger({ level, destination }), lines, messages: () => lines().map((l) => l.msg) };
}
