// A port that was free on 127.0.0.1 a moment ago (for programs that need a fixed port).
export { freePort } from '../../src/net/free-ports.js';
