import type { Server } from 'node:http';
import { type SecurityTarget, securityTarget } from '../../../src/security/loopback.ts';

/** A loopback server with a fault a probe exists to find; closeFaultServer() after each test. */
let server: Server | undefined;

export async function listenFaulty(make: () => Server): Promise<SecurityTarget> {
  server = make();
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return securityTarget(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
}

export async function closeFaultServer(): Promise<void> {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
}
