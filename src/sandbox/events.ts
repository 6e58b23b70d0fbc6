// The event bus and the /v2/events Server-Sent-Events stream. Marathon 1.10 serves the stream
// with Jetty's EventSourceServlet (HttpEventStreamServlet): "event: <type>\r\ndata: <json>\r\n\r\n"
// frames, a bare "\r\n" heartbeat every 10 s, an `event_stream_attached` event published when a
// client connects (which that client receives too) and `event_stream_detached` when it leaves.
// Filtering by `event_type` happens per connection; an empty filter means every event.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from '../model/marathon.js';
import type { Clock, Timer } from './time.js';

export interface EventBusOptions {
  clock: Clock;
  /** Jetty's EventSourceServlet default heartBeatPeriod is 10 s. */
  heartbeatMs: number;
  timestamp: () => string;
}

interface Subscriber {
  res: ServerResponse;
  types: Set<string>;
  heartbeat?: Timer;
}

export type EventListener = (event: JsonObject) => void;

export class EventBus {
  readonly #subscribers = new Set<Subscriber>();
  readonly #listeners = new Set<EventListener>();

  readonly #options: EventBusOptions;

  constructor(options: EventBusOptions) {
    this.#options = options;
  }

  /**
   * Publishes an event. `fields` come first and `eventType`/`timestamp` last, the field order
   * of Marathon's event case classes (e.g. status_update_event in examples/events.txt).
   */
  publish(eventType: string, fields: JsonObject, timestampFirst = false): void {
    const timestamp = this.#options.timestamp();
    const event: JsonObject = timestampFirst ? { ...fields, timestamp, eventType } : { ...fields, eventType, timestamp };
    for (const l of this.#listeners) l(event);
    if (this.#subscribers.size === 0) return;
    const frame = `event: ${eventType}\r\ndata: ${JSON.stringify(event)}\r\n\r\n`;
    for (const s of this.#subscribers) {
      if (s.types.size === 0 || s.types.has(eventType)) s.res.write(frame);
    }
  }

  /** In-process observers (tests, the request log of events). */
  listen(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Serves GET /v2/events on an already routed request. */
  attach(req: IncomingMessage, res: ServerResponse, types: string[], remoteAddress: string): void {
    // EventSourceServlet only streams to clients that accept text/event-stream; everyone else
    // falls through to HttpServlet.doGet, which answers 405 (raml-master/v2/events.raml).
    const accept = String(req.headers.accept ?? '');
    if (!accept.includes('text/event-stream')) {
      const body =
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n<title>Error 405 </title>\n</head>\n<body>\n' +
        '<h2>HTTP ERROR: 405</h2>\n<p>Problem accessing /v2/events. Reason:\n<pre>    HTTP method GET is not supported by this URL</pre></p>\n</body>\n</html>\n';
      res.writeHead(405, { 'Content-Type': 'text/html;charset=ISO-8859-1', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream;charset=UTF-8',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      Expires: '0',
    });
    res.flushHeaders();
    const sub: Subscriber = { res, types: new Set(types) };
    const beat = (): void => {
      res.write('\r\n');
      sub.heartbeat = this.#options.clock.setTimeout(beat, this.#options.heartbeatMs);
      sub.heartbeat.unref?.();
    };
    sub.heartbeat = this.#options.clock.setTimeout(beat, this.#options.heartbeatMs);
    sub.heartbeat.unref?.();
    this.#subscribers.add(sub);
    const detach = (): void => {
      if (!this.#subscribers.delete(sub)) return;
      if (sub.heartbeat) this.#options.clock.clearTimeout(sub.heartbeat);
      this.publish('event_stream_detached', { remoteAddress });
    };
    res.on('close', detach);
    req.on('close', detach);
    this.publish('event_stream_attached', { remoteAddress });
  }

  /** Ends every stream (sandbox shutdown). */
  closeAll(): void {
    for (const s of [...this.#subscribers]) {
      this.#subscribers.delete(s);
      if (s.heartbeat) this.#options.clock.clearTimeout(s.heartbeat);
      s.res.end();
    }
  }
}
