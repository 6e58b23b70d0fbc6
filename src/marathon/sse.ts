// An incremental Server-Sent Events parser (the "event stream interpretation" of the HTML
// standard), small enough to read in one sitting. Chunks may be split anywhere: inside a
// line, between `\r` and `\n`, inside a multi-byte UTF-8 character. Lines end with `\r\n`,
// `\n` or `\r`; `:` starts a comment (Jetty's heartbeats are bare line ends); a blank line
// dispatches the event; an event cut off by the end of the stream is dropped, as the
// standard says, because its data may be incomplete.
//
// Bounded and linear: a stream is input from a peer (or whatever proxy stands between), and
// an endless line once grew the buffer without limit and rescanned it on every chunk (80 MB
// without a line end: RSS +270 MB, the event loop stalled 7 s). Each chunk is scanned once,
// the unterminated line is kept as a list of pieces (joined once, when it ends), and an event
// (its data lines plus the line being read) larger than `maxEventBytes` makes the parser
// discard it and report `tooLarge`: its caller drops the connection.

export interface SseMessage {
  /** The `event:` field, or `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen on the stream (empty if none). */
  id: string;
}

export interface SseParserOptions {
  /** Largest event (data lines and the line being read, UTF-8 bytes). Default: unlimited. */
  maxEventBytes?: number;
}

export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #maxEventBytes: number;
  /** The unterminated line so far, in pieces (never rescanned: a piece holds no line end). */
  #pieces: string[] = [];
  #pieceBytes = 0;
  /** The previous chunk ended with `\r`: a `\n` starting the next one belongs to that line end. */
  #afterCr = false;
  #firstChunk = true;
  #eventType = '';
  #data: string[] = [];
  #dataBytes = 0;
  #lastId = '';
  #overflow: number | undefined;
  #scannedChars = 0;
  readonly #onMessage: (message: SseMessage) => void;

  constructor(onMessage: (message: SseMessage) => void, options: SseParserOptions = {}) {
    this.#onMessage = onMessage;
    const max = options.maxEventBytes ?? Number.POSITIVE_INFINITY;
    if (!(max > 0)) throw new TypeError(`Expected \`maxEventBytes\` to be a number from 1 and up, got \`${String(options.maxEventBytes)}\``);
    this.#maxEventBytes = max;
  }

  /** Bytes held for the event being read: never more than maxEventBytes once push() returns. */
  get bufferedBytes(): number {
    return this.#pieceBytes + this.#dataBytes;
  }

  /** Set (to the size reached) once an event outgrew maxEventBytes; the parser then ignores its input. */
  get tooLarge(): number | undefined {
    return this.#overflow;
  }

  /** Characters examined for line ends so far: each character once (for tests of linearity). */
  get scanned(): number {
    return this.#scannedChars;
  }

  push(chunk: Uint8Array | string): void {
    if (this.#overflow !== undefined) return;
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (this.#firstChunk && text.length > 0) {
      this.#firstChunk = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length === 0) return;
    let start = 0;
    if (this.#afterCr && text.charCodeAt(0) === 0x0a) start = 1;
    this.#afterCr = false;
    const ends = /[\r\n]/g;
    ends.lastIndex = start;
    for (let m = ends.exec(text); m !== null; m = ends.exec(text)) {
      const end = m.index;
      let next = end + 1;
      if (text.charCodeAt(end) === 0x0d) {
        if (end + 1 < text.length) {
          if (text.charCodeAt(end + 1) === 0x0a) next = end + 2;
        } else {
          this.#afterCr = true;
        }
      }
      const tail = text.slice(start, end);
      const line = this.#pieces.length === 0 ? tail : this.#pieces.join('') + tail;
      const lineBytes = this.#pieceBytes + Buffer.byteLength(tail, 'utf8');
      this.#pieces = [];
      this.#pieceBytes = 0;
      this.#line(line, lineBytes);
      if (this.#overflow !== undefined) return;
      start = next;
      ends.lastIndex = next;
    }
    this.#scannedChars += text.length;
    if (start < text.length) {
      const rest = text.slice(start);
      this.#pieces.push(rest);
      this.#pieceBytes += Buffer.byteLength(rest, 'utf8');
      this.#check();
    }
  }

  /** The stream ended: whatever was not terminated by a blank line is discarded. */
  end(): void {
    this.#decoder.decode();
    this.#pieces = [];
    this.#pieceBytes = 0;
    this.#data = [];
    this.#dataBytes = 0;
    this.#eventType = '';
  }

  #check(): void {
    const size = this.#pieceBytes + this.#dataBytes;
    if (size <= this.#maxEventBytes) return;
    this.#overflow = size;
    this.end();
  }

  #line(line: string, bytes: number): void {
    if (line.length === 0) {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#eventType = value;
        break;
      case 'data':
        this.#data.push(value);
        // The line's bytes bound the value's; +1 for the \n that joins data lines.
        this.#dataBytes += bytes + 1;
        this.#check();
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastId = value;
        break;
      default:
        // `retry` and unknown fields: Marathon sends neither; reconnect timing is ours.
        break;
    }
  }

  #dispatch(): void {
    const data = this.#data;
    const event = this.#eventType;
    this.#data = [];
    this.#dataBytes = 0;
    this.#eventType = '';
    if (data.length === 0) return;
    this.#onMessage({ event: event === '' ? 'message' : event, data: data.join('\n'), id: this.#lastId });
  }
}
