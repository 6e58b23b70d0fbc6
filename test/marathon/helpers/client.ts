import { onTestFinished } from 'vitest';
import { MarathonClient } from '../../../src/marathon/client.js';
import type { MarathonClientOptions, MarathonRequestInfo } from '../../../src/marathon/options.js';

export interface TestClient {
  client: MarathonClient;
  /** Every backoff delay the client asked to sleep. */
  sleeps: number[];
  /** Every onRequest report. */
  requests: MarathonRequestInfo[];
}

/** A client whose sleeps return at once (recorded), closed when the test finishes. */
export function testClient(url: string, options: Partial<MarathonClientOptions> = {}): TestClient {
  const sleeps: number[] = [];
  const requests: MarathonRequestInfo[] = [];
  const client = new MarathonClient({
    url,
    timeoutMs: 2_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    onRequest: (info) => requests.push(info),
    ...options,
  });
  onTestFinished(() => client.close());
  return { client, sleeps, requests };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the promise to reject, it resolved');
}
