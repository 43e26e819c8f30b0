import type { FastifyInstance } from 'fastify';
import { passwordLengthMax, userNameLengthMax } from '../../limits.ts';
import { okResponse } from '../http-schemas.ts';
import { roles } from '../roles.ts';
import type { ServerContext } from '../server-context.ts';

const userName = { type: 'string', minLength: 1, maxLength: userNameLengthMax } as const;
const password = { type: 'string', minLength: 1, maxLength: passwordLengthMax } as const;

export function adminRoutes(app: FastifyInstance, context: ServerContext): void {
  const { state, users } = context;
  const timed = {
    type: 'object',
    required: ['ok', 'durationMs'],
    properties: { ok: { type: 'boolean' }, durationMs: { type: 'number' } },
  };

  const maintenance = [
    ['checkpoint', 'Flush the memtable to a segment and trim the WAL.', () => state.engine().checkpoint()],
    ['compact', 'Merge segments, applying deletes and overwrites.', () => state.engine().compact()],
  ] as const;
  for (const [name, summary, run] of maintenance) {
    app.post(
      `/v1/admin/${name}`,
      { config: { access: 'admin', summary }, schema: { response: { 200: timed } } },
      async () => {
        const started = performance.now();
        await run();
        return { ok: true, durationMs: performance.now() - started };
      },
    );
  }

  app.get(
    '/v1/users',
    {
      config: { access: 'admin', summary: 'List users and roles (never hashes).' },
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['users'],
            properties: {
              users: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'role'],
                  properties: { name: userName, role: { enum: roles } },
                },
              },
            },
          },
        },
      },
    },
    async () => ({ users: users.list() }),
  );

  app.post<{ Body: { name: string; role: (typeof roles)[number]; password: string } }>(
    '/v1/users',
    {
      config: { access: 'admin', summary: 'Add a user.' },
      schema: {
        body: {
          type: 'object',
          required: ['name', 'role', 'password'],
          additionalProperties: false,
          properties: { name: userName, role: { type: 'string' }, password },
        },
        response: { 201: okResponse },
      },
    },
    async (request, reply) => {
      await users.add(request.body.name, request.body.role, request.body.password);
      return reply.status(201).send({ ok: true });
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/users/:name',
    {
      config: { access: 'admin', summary: "Remove a user; the user's tokens stop working at once." },
      schema: {
        params: { type: 'object', required: ['name'], properties: { name: userName } },
        response: { 200: okResponse },
      },
    },
    async (request) => {
      await users.remove(request.params.name);
      return { ok: true };
    },
  );

  app.put<{ Params: { name: string }; Body: { password: string } }>(
    '/v1/users/:name/password',
    {
      config: {
        access: 'admin',
        summary: "Change a user's password; the user's tokens stop working at once.",
      },
      schema: {
        params: { type: 'object', required: ['name'], properties: { name: userName } },
        body: {
          type: 'object',
          required: ['password'],
          additionalProperties: false,
          properties: { password },
        },
        response: { 200: okResponse },
      },
    },
    async (request) => {
      await users.setPassword(request.params.name, request.body.password);
      return { ok: true };
    },
  );
}
