// The CLI's output streams, scrubbed (src/secrets/scrubber.ts): whatever a command writes,
// a configuration problem, an error from a driver, a log line, leaves without the secrets
// given on its command line or in its environment.

import { Writable } from 'node:stream';
import type { Scrubber } from '../secrets/scrubber.js';

/**
 * A stream that writes to `target` what it is given, scrubbed, at once and in order (the
 * callback runs synchronously, so nothing queues here). Each write is scrubbed on its own:
 * callers write whole messages and whole log lines.
 */
export function scrubbedStream(target: NodeJS.WritableStream, scrubber: Scrubber): NodeJS.WritableStream {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      target.write(scrubber.line(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
      callback();
    },
  });
}
