/**
 * The floor server as its own process (so that it does not share the load generator's event
 * loop): listens on loopback, prints `floor listening on URL`, exits on SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import { createFloorServer } from './floor-server.ts';

const server = createFloorServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`floor listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
