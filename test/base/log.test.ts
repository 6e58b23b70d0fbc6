import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/base/log.js';
import { createScrubber } from '../../src/secrets/scrubber.js';

function capture(): { destination: Writable; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { destination, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('blanks secrets by field name and, in the finished line, by value: what a driver error quotes included', () => {
    const { destination, text } = capture();
    const logger = createLogger({ level: 'info', destination, scrubber: createScrubber(['Db/Pa@ss-1', 'tok-ABC-123']) });
    const cause = Object.assign(new Error('connect to postgresql://app:Db%2FPa%40ss-1@db/x failed'), { connectionString: 'postgresql://app:Db%2FPa%40ss-1@db/x' });
    logger.error({ err: new Error('query failed', { cause }), headers: { authorization: 'Bearer tok-ABC-123' }, note: 'raw Db/Pa@ss-1 and tok-ABC-123' }, 'database down');
    const line = text();
    expect(line).not.toMatch(/Db\/Pa@ss-1|Db%2FPa%40ss-1|tok-ABC-123/);
    expect(JSON.parse(line)).toMatchObject({ msg: 'database down', note: 'raw [redacted] and [redacted]', headers: { authorization: '[redacted]' } });
  });

  it('blanks URL credentials even without configured secrets', () => {
    const { destination, text } = capture();
    createLogger({ level: 'info', destination }).warn({ url: 'https://user:hunter2@example.org/x' }, 'redirected');
    expect(JSON.parse(text())).toMatchObject({ url: 'https://user:[redacted]@example.org/x' });
  });
});
