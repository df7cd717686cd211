import type { IncomingMessage, Server } from 'node:http';

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

/** Closes a test server, dropping kept-alive connections so it does not wait for them. */
export async function closeServer(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

/** A request's JSON body ({} when empty). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
}
