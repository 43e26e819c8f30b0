import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { authFailuresMax } from '../../src/limits.ts';
import { createServerFixture, fixturePasswords, fixtureRoles } from './server-fixture.ts';

/** Collects everything the server logs. */
class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('request logs', () => {
  it.for(['info', 'debug'] as const)(
    'at level %s hold no password, token, Basic credentials or authorization header',
    async (logLevel) => {
      const log = new LogCapture();
      const fixture = await createServerFixture({ config: { logLevel }, logStream: log });
      const secrets: string[] = [...Object.values(fixturePasswords)];
      try {
        const basicAuth = (role: (typeof fixtureRoles)[number]) => ({
          authorization: fixture.basicFor(role),
        });
        for (const role of fixtureRoles) {
          secrets.push(fixture.basicFor(role).slice('Basic '.length));
          await fixture.inject({ method: 'GET', url: '/v1/series', headers: basicAuth(role) });
          await fixture.inject({ method: 'GET', url: '/health', headers: basicAuth(role) });
        }

        const token = await fixture.tokenFor('writer');
        secrets.push(token, token.split('.')[2]!);
        const bearer = { authorization: `Bearer ${token}` };
        const written = await fixture.inject({
          method: 'POST',
          url: '/v1/series/logged/points',
          headers: bearer,
          payload: { points: [[1, 2]] },
        });
        expect(written.statusCode).toBe(200);
        await fixture.inject({ method: 'GET', url: '/v1/series/logged/points/1', headers: bearer });
        // A token is refused where only Basic buys one: the refusal is logged without it.
        await fixture.inject({ method: 'POST', url: '/v1/auth/token', headers: bearer });

        const newPassword = 'logged-user-password-1';
        const changedPassword = 'logged-user-password-2';
        const badJsonPassword = 'password-in-bad-json-1';
        const extraFieldPassword = 'password-with-extra-1';
        secrets.push(newPassword, changedPassword, badJsonPassword, extraFieldPassword);
        const admin = basicAuth('admin');
        const created = await fixture.inject({
          method: 'POST',
          url: '/v1/users',
          headers: admin,
          payload: { name: 'logged-user', role: 'reader', password: newPassword },
        });
        expect(created.statusCode).toBe(201);
        const changed = await fixture.inject({
          method: 'PUT',
          url: '/v1/users/logged-user/password',
          headers: admin,
          payload: { password: changedPassword },
        });
        expect(changed.statusCode).toBe(200);
        const badJson = await fixture.inject({
          method: 'POST',
          url: '/v1/users',
          headers: { ...admin, 'content-type': 'application/json' },
          payload: `{"name": "x", "role": "reader", "password": "${badJsonPassword}"`,
        });
        expect(badJson.statusCode).toBe(400);
        const extraField = await fixture.inject({
          method: 'POST',
          url: '/v1/users',
          headers: admin,
          payload: { name: 'y', role: 'reader', password: extraFieldPassword, note: extraFieldPassword },
        });
        expect(extraField.statusCode).toBe(400);

        // Failed authentications up to the rate limit: wrong passwords, forged tokens, an unknown user.
        const wrongPassword = 'wrong-password-for-log-1';
        secrets.push(wrongPassword, fixture.basic('reader', wrongPassword).slice('Basic '.length));
        for (let i = 0; i <= authFailuresMax; i++)
          await fixture.inject({
            method: 'GET',
            url: '/v1/series',
            headers: { authorization: fixture.basic('reader', wrongPassword) },
            remoteAddress: '198.51.100.9',
          });
        const forged = `${token.slice(0, -4)}AAAA`;
        secrets.push(forged);
        await fixture.inject({
          method: 'GET',
          url: '/v1/series',
          headers: { authorization: `Bearer ${forged}` },
        });

        // A server-side failure is logged with its error: still without the credentials.
        await fixture.engine.close();
        const failed = await fixture.inject({
          method: 'POST',
          url: '/v1/series/logged/points',
          headers: bearer,
          payload: { points: [[2, 3]] },
        });
        expect(failed.statusCode).toBeGreaterThanOrEqual(500);
      } finally {
        await fixture.close();
      }

      // The capture works: every request was logged, and the failure with its error.
      const lines = log.text.trim().split('\n');
      expect(lines.length).toBeGreaterThan(40);
      for (const line of lines) JSON.parse(line);
      expect(log.text).toContain('incoming request');
      expect(log.text).toContain('request completed');
      expect(log.text).toContain('request failed');
      expect(log.text).toContain('/v1/users/logged-user/password');
      for (const secret of secrets) expect(log.text, 'a secret is in the log').not.toContain(secret);
      expect(log.text.toLowerCase()).not.toContain('authorization');
    },
  );
});
