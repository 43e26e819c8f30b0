import type { FastifyInstance } from 'fastify';
import { OmenDbError } from '../../errors.ts';
import type { ServerContext } from '../server-context.ts';

export function authRoutes(app: FastifyInstance, context: ServerContext): void {
  const { tokens, users } = context;

  app.post(
    '/v1/auth/token',
    {
      config: { access: 'user', summary: 'Exchange Basic credentials for a JWT (HS256) that expires.' },
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['token', 'tokenType', 'expiresIn', 'role'],
            properties: {
              token: { type: 'string' },
              tokenType: { const: 'Bearer' },
              expiresIn: { type: 'integer' },
              role: { type: 'string' },
            },
          },
        },
      },
    },
    async (request) => {
      // Only a password buys a token: a token cannot renew itself past its expiry.
      const identity = request.identity;
      const user = identity?.via === 'basic' ? users.get(identity.name) : undefined;
      if (user === undefined)
        throw new OmenDbError('OMENDB_ERR_AUTH_INVALID', 'tokens are issued against Basic credentials only');
      // The lifetime is the configured ttl: nothing in the request (body, query) can ask for more.
      const { token, issuedAt, expiresAt } = await tokens.issue(user.name, user.role, user.credentialId);
      return { token, tokenType: 'Bearer', expiresIn: expiresAt - issuedAt, role: user.role };
    },
  );
}
