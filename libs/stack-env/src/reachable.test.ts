import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { assertReachable, eventually } from './reachable';

describe('assertReachable', () => {
  it('resolves for a listening port', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(assertReachable('test server', '127.0.0.1', port)).resolves.toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('names the server and says how to start the stack when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    await expect(assertReachable('Mosquitto', '127.0.0.1', port)).rejects.toThrow(
      `Mosquitto is not reachable at 127.0.0.1:${port}: run scripts/stack up`,
    );
  });
});

describe('eventually', () => {
  it('returns the first defined value', async () => {
    let calls = 0;
    const value = await eventually('a value', async () => (++calls >= 2 ? 'ok' : undefined), 5000);
    expect(value).toBe('ok');
    expect(calls).toBe(2);
  });

  it('gives up with the last error as cause', async () => {
    const failure = eventually(
      'the impossible',
      async () => {
        throw new Error('still failing');
      },
      0,
    );
    await expect(failure).rejects.toThrow('timed out after 0 ms waiting for the impossible');
    await expect(failure).rejects.toHaveProperty('cause.message', 'still failing');
  });
});
