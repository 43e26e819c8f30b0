import type { OmenDbChild } from './child-servers.ts';

/** The Authorization header of the server's admin: a token for the Basic credentials it started with. */
export async function adminBearer(server: OmenDbChild): Promise<{ authorization: string }> {
  const basic = `Basic ${Buffer.from(`admin:${server.password}`).toString('base64')}`;
  const response = await fetch(`${server.url}/v1/auth/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: '{}',
  });
  if (!response.ok) throw new Error(`POST ${server.url}/v1/auth/token: ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  return { authorization: `Bearer ${token}` };
}

/**
 * One sample of the server's /metrics, by its full name with labels as exposed (for example
 * `nodejs_gc_duration_seconds_count{kind="major"}`), or undefined when it is not exposed (prom-client
 * leaves out a label set that has not been observed yet).
 */
export async function metricValue(
  url: string,
  headers: Record<string, string>,
  name: string,
): Promise<number | undefined> {
  const response = await fetch(`${url}/metrics`, { headers });
  if (!response.ok) throw new Error(`GET ${url}/metrics: ${response.status}`);
  const line = (await response.text()).split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
