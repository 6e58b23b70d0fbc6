import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, serializeError } from '../../src/base/log.js';
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
    const cause = Object.assign(new Error('connect to postgresql://app:Db%2FPa%40ss-1@db/x failed'), {
      connectionString: 'postgresql://app:Db%2FPa%40ss-1@db/x',
    });
    logger.error(
      { err: new Error('query failed', { cause }), headers: { authorization: 'Bearer tok-ABC-123' }, note: 'raw Db/Pa@ss-1 and tok-ABC-123' },
      'database down',
    );
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

describe('log formats', () => {
  it('writes JSON lines to what is not a terminal, and one readable line per event when asked for pretty', () => {
    const json = capture();
    createLogger({ destination: json.destination }).info({ appId: '/demo/web' }, 'create applied');
    expect(JSON.parse(json.text())).toMatchObject({ level: 30, msg: 'create applied', appId: '/demo/web' });

    const pretty = capture();
    createLogger({ destination: pretty.destination, format: 'pretty' }).info({ appId: '/demo/web' }, 'create applied');
    const lines = pretty.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: create applied \{"appId":"\/demo\/web"\}$/);
  });

  it('scrubs secrets in the readable format too', () => {
    const pretty = capture();
    createLogger({ destination: pretty.destination, format: 'pretty', scrubber: createScrubber(['s3cret-value']) }).warn({ note: 'has s3cret-value' }, 'x');
    expect(pretty.text()).not.toContain('s3cret-value');
  });
});

describe('errors in log lines', () => {
  it('shows what an error is: its class, stable code, message and cause, without its other fields', () => {
    const { destination, text } = capture();
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', address: '127.0.0.1' });
    class SourceDown extends Error {
      code = 'MRK_SOURCE_UNREADABLE';
      query = 'SELECT secret FROM t';
    }
    createLogger({ destination }).error({ err: new SourceDown('cannot read maracker.apps', { cause }) }, 'database source unknown');
    const line = JSON.parse(text()) as { err: Record<string, unknown> };
    expect(line.err).toEqual({
      type: 'Error',
      code: 'MRK_SOURCE_UNREADABLE',
      message: 'cannot read maracker.apps',
      cause: { type: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
    });
  });

  it('keeps the stack of an unexpected error (no code of ours), and reads error records as errors', () => {
    expect(serializeError(new TypeError('x is undefined'))).toMatchObject({
      type: 'TypeError',
      message: 'x is undefined',
      stack: expect.stringContaining('TypeError'),
    });
    expect(serializeError({ message: 'Marathon GET /v2/apps -> 500', code: 'MRK_MARATHON_SERVER_ERROR' })).toEqual({
      type: 'Error',
      message: 'Marathon GET /v2/apps -> 500',
      code: 'MRK_MARATHON_SERVER_ERROR',
    });
    expect(serializeError('plain text')).toEqual({ type: 'string', message: 'plain text' });
  });
});
