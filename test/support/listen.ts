import type { Server } from 'node:http';

/** Frames publish host ports from this range (the default config, and the test homes' ranges). */
const FRAME_PORTS = { start: 33000, end: 34000 };

/**
 * Listens on a free port outside the frames' port range. The kernel's ephemeral range overlaps it,
 * and rootful podman forwards a published port with a DNAT rule: a test server given, say, 33005
 * while a frame publishes 33005 would have its connections sent into the container.
 */
export async function listenOutsideFramePorts(server: Server, host: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as { port: number };
    if (port < FRAME_PORTS.start || port > FRAME_PORTS.end || attempt >= 50) return port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
