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
    const stream = `event: deployment_success\n${pretty.split('\n').map((l) => `data: ${l}`).join('\n')}\n\n`;
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
});
