// An incremental Server-Sent Events parser (the "event stream interpretation" of the HTML
// standard), small enough to read in one sitting. Chunks may be split anywhere: inside a
// line, between `\r` and `\n`, inside a multi-byte UTF-8 character. Lines end with `\r\n`,
// `\n` or `\r`; `:` starts a comment (Jetty's heartbeats are bare line ends); a blank line
// dispatches the event; an event cut off by the end of the stream is dropped, as the
// standard says, because its data may be incomplete.

export interface SseMessage {
  /** The `event:` field, or `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen on the stream (empty if none). */
  id: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  /** The previous chunk ended with `\r`: a `\n` starting the next one belongs to that line end. */
  private afterCr = false;
  private firstChunk = true;
  private eventType = '';
  private data: string[] = [];
  private lastId = '';

  constructor(private readonly onMessage: (message: SseMessage) => void) {}

  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.firstChunk && text.length > 0) {
      this.firstChunk = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length === 0) return;
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = false;
    this.buffer += text;
    this.drainLines();
  }

  /** The stream ended: whatever was not terminated by a blank line is discarded. */
  end(): void {
    this.buffer += this.decoder.decode();
    this.buffer = '';
    this.data = [];
    this.eventType = '';
  }

  private drainLines(): void {
    let start = 0;
    for (;;) {
      const lf = this.buffer.indexOf('\n', start);
      const cr = this.buffer.indexOf('\r', start);
      if (lf === -1 && cr === -1) break;
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < this.buffer.length) {
          next = this.buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
        } else {
          next = cr + 1;
          this.afterCr = true;
        }
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(this.buffer.slice(start, end));
      start = next;
    }
    this.buffer = this.buffer.slice(start);
  }

  private line(line: string): void {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        // `retry` and unknown fields: Marathon sends neither; reconnect timing is ours.
        break;
    }
  }

  private dispatch(): void {
    const data = this.data;
    const event = this.eventType;
    this.data = [];
    this.eventType = '';
    if (data.length === 0) return;
    this.onMessage({ event: event === '' ? 'message' : event, data: data.join('\n'), id: this.lastId });
  }
}
