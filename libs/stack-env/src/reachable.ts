import { connect } from 'node:net';

/**
 * Resolves when a TCP connection to host:port opens within `timeoutMs`; otherwise rejects with a message that
 * names the server and says how to start it. Smoke tests call it first, so a stopped stack fails plainly.
 */
export async function assertReachable(server: string, host: string, port: number, timeoutMs = 3000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (cause: Error): void => {
      socket.destroy();
      reject(new Error(`${server} is not reachable at ${host}:${port}: run scripts/stack up`, { cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no connection after ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}

/** Calls `probe` until it returns a value other than undefined, or throws after `timeoutMs` with `what` in the message. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
