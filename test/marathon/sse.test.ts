import { describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from '../../src/marathon/sse.js';
import { fixture } from './helpers/server.js';

function parse(chunks: Array<string | Uint8Array>): SseMessage[] {
  const out: SseMessage[] = [];
  const parser = new SseParser((m) => out.push(m));
  for (const c of chunks) parser.push(c);
  parser.end();
  return out;
}

/** Every way of cutting `text` into two chunks, as bytes (so cuts land inside UTF-8 sequences too). */
function allSplits(text: string): Uint8Array[][] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.slice(0, i), bytes.slice(i)]);
  return out;
}

describe('SseParser', () => {
  it('parses the recorded Marathon stream into its three events', () => {
    const messages = parse([fixture('events/events.txt')]);
    expect(messages.map((m) => m.event)).toEqual(['event_stream_attached', 'status_update_event', 'status_update_event']);
    expect(JSON.parse(messages[1]!.data)).toMatchObject({ eventType: 'status_update_event', appId: '/foo', taskStatus: 'TASK_FAILED' });
  });

  it('gives the same events however the recorded stream is cut into chunks', () => {
    const text = fixture('events/events.txt');
    const expected = parse([text]);
    for (const chunks of allSplits(text)) expect(parse(chunks)).toEqual(expected);
    // and byte by byte
    expect(parse([...new TextEncoder().encode(text)].map((b) => Uint8Array.of(b)))).toEqual(expected);
  });

  it('accepts \\r\\n, \\r and \\n line ends, including a \\r\\n split across chunks', () => {
    const crlf = 'event: a\r\ndata: 1\r\n\r\n';
    const cr = 'event: a\rdata: 1\r\r';
    const expected = [{ event: 'a', data: '1', id: '' }];
    expect(parse([crlf])).toEqual(expected);
    expect(parse([cr])).toEqual(expected);
    for (const chunks of allSplits(crlf)) expect(parse(chunks)).toEqual(expected);
    expect(parse(['data: a\r', '', '\ndata: b\n\n'])).toEqual([{ event: 'message', data: 'a\nb', id: '' }]);
  });

  it('joins multi-line data with \\n', () => {
    const pretty = fixture('events/deployment_success.json').trimEnd();
    const stream = `event: deployment_success\n${pretty
      .split('\n')
      .map((l) => `data: ${l}`)
      .join('\n')}\n\n`;
    const [message] = parse([stream]);
    expect(JSON.parse(message!.data)).toEqual(JSON.parse(pretty));
  });

  it('ignores comments, heartbeats and unknown fields, and strips only one leading space', () => {
    const stream = ': hello\r\n\r\n\r\nretry: 5\nfoo: bar\nid: 7\ndata:  two spaces\ndata:none\n\n';
    expect(parse([stream])).toEqual([{ event: 'message', data: ' two spaces\nnone', id: '7' }]);
  });

  it('keeps multi-byte characters split between chunks and drops a leading BOM', () => {
    const stream = '\uFEFFdata: café ✓\n\n';
    for (const chunks of allSplits(stream)) expect(parse(chunks)).toEqual([{ event: 'message', data: 'café ✓', id: '' }]);
  });

  it('drops an event cut off by the end of the stream', () => {
    expect(parse(['event: a\ndata: {"eventType":"a"']).length).toBe(0);
    expect(parse(['event: a\ndata: 1\n'])).toEqual([]);
  });

  it('examines each character once, however long a line grows (no rescan of what came before)', () => {
    const parser = new SseParser(() => undefined);
    const chunk = 'x'.repeat(1000);
    for (let i = 0; i < 2000; i++) parser.push(chunk);
    expect(parser.scanned).toBe(2_000_000);
    expect(parser.bufferedBytes).toBe(2_000_000);
    const out: SseMessage[] = [];
    const ends = new SseParser((m) => out.push(m));
    ends.push('data: ');
    for (let i = 0; i < 100; i++) ends.push(chunk);
    ends.push('\n\n');
    expect(out).toEqual([{ event: 'message', data: 'x'.repeat(100_000), id: '' }]);
    expect(ends.bufferedBytes).toBe(0);
  });

  it('never holds more than maxEventBytes: an endless line is discarded and reported with its size', () => {
    const limit = 64 * 1024;
    const parser = new SseParser(() => undefined, { maxEventBytes: limit });
    const chunk = 'data: '.padEnd(1000, 'x');
    let pushes = 0;
    while (parser.tooLarge === undefined) {
      parser.push(chunk);
      pushes++;
      expect(parser.bufferedBytes).toBeLessThanOrEqual(limit);
    }
    expect(pushes).toBe(Math.floor(limit / 1000) + 1);
    expect(parser.tooLarge).toBe(pushes * 1000);
    expect(parser.bufferedBytes).toBe(0);
    // Everything after is ignored: the caller drops the connection.
    parser.push('\n\ndata: {}\n\n');
    expect(parser.bufferedBytes).toBe(0);
  });

  it('counts an event by all its data lines, in UTF-8 bytes', () => {
    const out: SseMessage[] = [];
    const parser = new SseParser((m) => out.push(m), { maxEventBytes: 100 });
    // 3 lines of "data: éééé" = 3 x (6 + 8 bytes) + 3 joins = 45 bytes: fine.
    parser.push('data: éééé\ndata: éééé\ndata: éééé\n\n');
    expect(out).toHaveLength(1);
    // Short lines that never end the event add up.
    for (let i = 0; i < 10 && parser.tooLarge === undefined; i++) parser.push('data: ééééééé\n');
    expect(parser.tooLarge).toBeGreaterThan(100);
    expect(out).toHaveLength(1);
  });

  it('refuses a limit that is not a positive number', () => {
    expect(() => new SseParser(() => undefined, { maxEventBytes: 0 })).toThrow('Expected `maxEventBytes` to be a number from 1 and up, got `0`');
  });
});
