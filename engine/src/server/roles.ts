/** The four roles, and what each may reach. */
export const roles = ['admin', 'writer', 'reader', 'monitor'] as const;
export type Role = (typeof roles)[number];

/**
 * What a route needs. 'public' needs nothing; 'user' any authenticated user (token issue);
 * the others are granted per role below.
 */
export type Access = 'public' | 'user' | 'read' | 'write' | 'admin' | 'monitor';

const grants: Readonly<Record<Role, ReadonlySet<Access>>> = {
  // Admin does everything, including users, admin routes and monitoring.
  admin: new Set<Access>(['user', 'read', 'write', 'admin', 'monitor']),
  writer: new Set<Access>(['user', 'read', 'write']),
  reader: new Set<Access>(['user', 'read']),
  // Monitor sees /metrics and /health only: a scraper's credentials cannot read data.
  monitor: new Set<Access>(['user', 'monitor']),
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export function roleAllows(role: Role, access: Access): boolean {
  return access === 'public' || grants[role].has(access);
}
