/**
 * The baseline: a bare fastify app with the same shape of work and none of OmenDB's (no auth, no
 * engine, no validation beyond JSON parsing). Run as its own process, like the server, so that
 * both are measured the same way. Prints `bare listening on URL`.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.get<{ Params: { series: string; key: string } }>('/bare/:series/:key', async (request) => ({
  key: Number(request.params.key),
  value: 1.5,
}));
app.post<{ Body: { points: unknown[] } }>('/bare', async (request) => ({
  written: request.body.points.length,
}));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`bare listening on ${url}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
