// Login, lock-out, JWT expiry, refresh/logout, cookies, invites, the per-IP sign-in limit.
// Registration and provision-user: onboarding.int.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { createRequestAuthenticator } from '../../src/auth/request-authenticator.js';
import { GENERATED_ADMIN_EMAIL } from '../../src/auth/super-admin.js';
import { systemContext } from '../../src/identity/context.js';
import { createTestApp, SUPER_ADMIN, type TestApp } from '../support/app.js';
import { bearer, holdLookups, login, makePerson, makeTenant, PASSWORD } from './helpers.js';

const clock = new ManualClock();
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('sqlite', { JWT_TTL_SECONDS: '60' }, { clock });
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });
const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers });

describe('login', () => {
  it('returns token, refresh token, expiry and user, and sets an httpOnly SameSite=Lax cookie', async () => {
    const res = await post('/api/v1/auth/login', SUPER_ADMIN);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.token).toMatch(/^ey/);
    expect(body.refreshToken).toBeTypeOf('string');
    expect(Date.parse(body.expiresAt)).toBe(clock.now() + 60_000);
    expect(body.user).toMatchObject({ email: SUPER_ADMIN.email, role: 'platform_admin', status: 'active' });
    expect(body.user.password_hash).toBeUndefined();
    const cookie = res.cookies.find((c) => c.name === 'tg_session');
    expect(cookie).toMatchObject({ value: body.token, httpOnly: true, sameSite: 'Lax', path: '/' });
    expect((await me({ cookie: `tg_session=${body.token}` })).statusCode).toBe(200);
    expect((await me(bearer(body.token))).statusCode).toBe(200);
  });

  it('seed 001 alias /v1/auth/login answers the same; email is case-insensitive', async () => {
    const res = await post('/v1/auth/login', {
      email: SUPER_ADMIN.email.toUpperCase(),
      password: SUPER_ADMIN.password,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().user.email).toBe(SUPER_ADMIN.email);
  });

  it('the generated first admin (admin@localhost, no dotted domain) can sign in over HTTP', async () => {
    await t.identity.users.create(
      { email: GENERATED_ADMIN_EMAIL, role: 'platform_admin', tenantId: null, password: PASSWORD },
      systemContext,
    );
    const res = await post('/api/v1/auth/login', { email: GENERATED_ADMIN_EMAIL, password: PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user).toMatchObject({ email: GENERATED_ADMIN_EMAIL, role: 'platform_admin' });
  });

  it('refuses a wrong password and an unknown email with the same 401', async () => {
    const wrong = await post('/api/v1/auth/login', { email: SUPER_ADMIN.email, password: 'nope-nope-nope' });
    const unknown = await post('/api/v1/auth/login', { email: 'ghost@example.com', password: 'nope-nope-nope' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
    expect(wrong.json().error.code).toBe('unauthorized');
    await login(t, SUPER_ADMIN.email, SUPER_ADMIN.password); // resets the counter for later tests
  });

  it('locks an account after 5 failures for 15 minutes, refusing even the right password, then unlocks', async () => {
    const tenant = await makeTenant(t, 'Lock Co');
    const p = await makePerson(t, 'tenant_user', tenant.id);
    const other = await makePerson(t, 'tenant_user', tenant.id);
    for (let i = 0; i < 4; i++)
      expect((await post('/api/v1/auth/login', { email: p.email, password: 'wrong-password' })).statusCode).toBe(401);
    const fifth = await post('/api/v1/auth/login', { email: p.email, password: 'wrong-password' });
    expect(fifth.statusCode).toBe(401);
    const locked = await post('/api/v1/auth/login', { email: p.email, password: PASSWORD });
    expect(locked.statusCode).toBe(423);
    expect(locked.json().error.code).toBe('account_locked');
    expect(locked.headers['retry-after']).toBe('900');
    // Per account: someone else is unaffected.
    expect((await post('/api/v1/auth/login', { email: other.email, password: PASSWORD })).statusCode).toBe(200);
    clock.advance(14 * 60_000 + 59_000);
    const still = await post('/api/v1/auth/login', { email: p.email, password: PASSWORD });
    expect(still.statusCode).toBe(423);
    expect(still.headers['retry-after']).toBe('1');
    clock.advance(1_000);
    expect((await post('/api/v1/auth/login', { email: p.email, password: PASSWORD })).statusCode).toBe(200);
    const audit = await t.identity.audit.list({ tenantId: tenant.id, action: 'user.locked', limit: 10 });
    expect(audit.items.map((e) => e.target_id)).toEqual([p.id]);
  });

  it('a success resets the failure count', async () => {
    const tenant = await makeTenant(t, 'Reset Co');
    const p = await makePerson(t, 'tenant_user', tenant.id);
    for (let i = 0; i < 4; i++) await post('/api/v1/auth/login', { email: p.email, password: 'wrong-password' });
    await login(t, p.email, PASSWORD);
    for (let i = 0; i < 4; i++) await post('/api/v1/auth/login', { email: p.email, password: 'wrong-password' });
    expect((await post('/api/v1/auth/login', { email: p.email, password: PASSWORD })).statusCode).toBe(200);
  });

  it('refuses suspended and pending people, and people of a suspended tenant', async () => {
    const tenant = await makeTenant(t, 'Status Co');
    const p = await makePerson(t, 'tenant_user', tenant.id);
    await t.identity.users.suspend(p.id, systemContext);
    const res = await post('/api/v1/auth/login', { email: p.email, password: PASSWORD });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toMatch(/suspended/);
    expect((await me(bearer(p.token))).statusCode).toBe(401);

    const pending = await t.identity.users.create(
      { email: 'pending@example.com', role: 'tenant_user', tenantId: tenant.id },
      systemContext,
    );
    expect(pending.status).toBe('pending');
    expect((await post('/api/v1/auth/login', { email: 'pending@example.com', password: PASSWORD })).statusCode).toBe(
      401,
    );

    const q = await makePerson(t, 'tenant_user', tenant.id);
    await t.identity.tenants.update(tenant.id, { status: 'suspended' }, systemContext);
    expect((await post('/api/v1/auth/login', { email: q.email, password: PASSWORD })).statusCode).toBe(403);
    expect((await me(bearer(q.token))).statusCode).toBe(401);
  });
});

describe('session tokens', () => {
  it('an expired JWT answers 401 token_expired', async () => {
    const token = await login(t, SUPER_ADMIN.email, SUPER_ADMIN.password);
    clock.advance(59_000);
    expect((await me(bearer(token))).statusCode).toBe(200);
    clock.advance(1_000);
    const res = await me(bearer(token));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('token_expired');
  });

  it('a tampered or foreign token is 401 unauthorized', async () => {
    const token = await login(t, SUPER_ADMIN.email, SUPER_ADMIN.password);
    const tampered = token.slice(0, -3) + (token.endsWith('aaa') ? 'bbb' : 'aaa');
    expect((await me(bearer(tampered))).json().error.code).toBe('unauthorized');
    expect((await me(bearer('not-a-jwt'))).statusCode).toBe(401);
    expect((await me({})).statusCode).toBe(401);
  });

  it('refresh rotates the refresh token; the old one stops working', async () => {
    const first = (await post('/api/v1/auth/login', SUPER_ADMIN)).json();
    clock.advance(61_000); // JWT expired; refresh still fine
    const res = await post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(res.statusCode).toBe(200);
    const second = res.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(bearer(second.token))).statusCode).toBe(200);
    expect((await post('/api/v1/auth/refresh', { refreshToken: first.refreshToken })).statusCode).toBe(401);
    // Cookie-only refresh works too (the web app never sees the refresh token).
    const viaCookie = await post('/api/v1/auth/refresh', {}, { cookie: `tg_refresh=${second.refreshToken}` });
    expect(viaCookie.statusCode).toBe(200);
  });

  it('logout revokes the session: its JWT and refresh token stop working', async () => {
    const s = (await post('/api/v1/auth/login', SUPER_ADMIN)).json();
    expect((await me(bearer(s.token))).statusCode).toBe(200);
    const out = await post('/api/v1/auth/logout', {}, bearer(s.token));
    expect(out.statusCode).toBe(200);
    expect(out.cookies.find((c) => c.name === 'tg_session')?.value).toBe('');
    expect((await me(bearer(s.token))).statusCode).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refreshToken: s.refreshToken })).statusCode).toBe(401);
  });

  it('logout by refresh token alone ends the session too', async () => {
    const s = (await post('/api/v1/auth/login', SUPER_ADMIN)).json();
    await post('/api/v1/auth/logout', { refreshToken: s.refreshToken });
    clock.advance(6_000); // past the authenticator's short session cache
    expect((await me(bearer(s.token))).statusCode).toBe(401);
  });

  it("log out everywhere ends every session of the caller at once, and no one else's", async () => {
    const tenant = await makeTenant(t, 'Everywhere Co');
    const p = await makePerson(t, 'tenant_user', tenant.id);
    const other = await makePerson(t, 'tenant_user', tenant.id);
    const laptop = (await post('/api/v1/auth/login', { email: p.email, password: PASSWORD })).json();
    const phone = (await post('/api/v1/auth/login', { email: p.email, password: PASSWORD })).json();
    expect((await me(bearer(laptop.token))).statusCode).toBe(200);
    expect((await me(bearer(phone.token))).statusCode).toBe(200);

    const out = await post('/api/v1/auth/logout-all', {}, bearer(phone.token));
    expect(out.statusCode, out.body).toBe(200);
    expect(out.cookies.find((c) => c.name === 'tg_session')?.value).toBe('');
    for (const s of [laptop, phone]) {
      expect((await me(bearer(s.token))).statusCode).toBe(401);
      expect((await post('/api/v1/auth/refresh', { refreshToken: s.refreshToken })).statusCode).toBe(401);
    }
    expect((await me(bearer(other.token))).statusCode).toBe(200);
    // It needs a session: without one it is 401.
    expect((await post('/api/v1/auth/logout-all', {})).statusCode).toBe(401);
  });

  it('a password change signs out every other session of the person, and keeps the one that changed it', async () => {
    const tenant = await makeTenant(t, 'Password Co');
    const p = await makePerson(t, 'tenant_user', tenant.id);
    const other = await makePerson(t, 'tenant_user', tenant.id);
    const laptop = (await post('/api/v1/auth/login', { email: p.email, password: PASSWORD })).json();
    const stolen = (await post('/api/v1/auth/login', { email: p.email, password: PASSWORD })).json();
    expect((await me(bearer(stolen.token))).statusCode).toBe(200); // cached as valid
    const changed = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/me/password',
      headers: bearer(laptop.token),
      payload: { current_password: PASSWORD, new_password: 'a-whole-new-password-1' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await me(bearer(stolen.token))).statusCode).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refreshToken: stolen.refreshToken })).statusCode).toBe(401);
    expect((await me(bearer(laptop.token))).statusCode).toBe(200);
    expect((await post('/api/v1/auth/refresh', { refreshToken: laptop.refreshToken })).statusCode).toBe(200);
    expect((await me(bearer(other.token))).statusCode).toBe(200);
  });

  it('a person suspended while their session check reads the database is not cached as still valid', async () => {
    const tenant = await makeTenant(t, 'Race Co');
    const p = await makePerson(t, 'tenant_user', tenant.id);
    const { db, read, release } = holdLookups(t.core.db.kysely);
    const auth = createRequestAuthenticator({
      db,
      bus: t.core.bus,
      now: () => clock.now(),
      jwtSecret: t.core.secrets.jwtSecret,
    });
    const inFlight = auth.principalFromToken(p.token);
    await read; // the check holds the person as they were before the suspension
    await t.identity.users.suspend(p.id, systemContext);
    release();
    await inFlight; // began before the suspension: either answer is fair for this one request
    expect(await auth.principalFromToken(p.token)).toBeNull();
  });

  it('a suspended person is refused at once on the next request (bus invalidation)', async () => {
    const tenant = await makeTenant(t, 'Bus Co');
    const p = await makePerson(t, 'tenant_user', tenant.id);
    expect((await me(bearer(p.token))).statusCode).toBe(200);
    await t.identity.users.suspend(p.id, systemContext);
    expect((await me(bearer(p.token))).statusCode).toBe(401);
  });
});

describe('invites', () => {
  it('an invited person sets a password once and can then log in', async () => {
    const tenant = await makeTenant(t, 'Invite Co');
    const admin = await makePerson(t, 'tenant_admin', tenant.id);
    const created = await post(
      '/api/v1/users',
      { email: 'new.hire@example.com', name: 'New Hire', role: 'tenant_user' },
      bearer(admin.token),
    );
    expect(created.statusCode, created.body).toBe(201);
    const { user, invite } = created.json();
    expect(user).toMatchObject({ status: 'pending', tenant_id: tenant.id, role: 'tenant_user' });
    expect(invite.url).toContain(encodeURIComponent(invite.token));
    expect(Date.parse(invite.expires_at)).toBe(clock.now() + 72 * 3_600_000);

    const bad = await post('/api/v1/auth/accept-invite', { token: invite.token, password: 'short' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('password');
    const ok = await post('/api/v1/auth/accept-invite', { token: invite.token, password: 'brand-new-password' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().user.status).toBe('active');
    expect(
      (await post('/api/v1/auth/accept-invite', { token: invite.token, password: 'another-password' })).statusCode,
    ).toBe(400);
    await login(t, 'new.hire@example.com', 'brand-new-password');
  });

  it('an expired invite is refused; a re-issued one works and retires the old', async () => {
    const tenant = await makeTenant(t, 'Expiry Co');
    const admin = await makePerson(t, 'tenant_admin', tenant.id);
    const { user, invite } = (await post('/api/v1/users', { email: 'late@example.com' }, bearer(admin.token))).json();
    clock.advance(72 * 3_600_000);
    const token = await login(t, admin.email, PASSWORD);
    expect(
      (await post('/api/v1/auth/accept-invite', { token: invite.token, password: 'brand-new-password' })).statusCode,
    ).toBe(400);
    const again = await post(`/api/v1/users/${user.id}/invite`, {}, bearer(token));
    expect(again.statusCode).toBe(201);
    expect(
      (await post('/api/v1/auth/accept-invite', { token: again.json().token, password: 'brand-new-password' }))
        .statusCode,
    ).toBe(200);
  });
});

describe('per-IP limit on the sign-in routes', () => {
  it('caps guesses from one address across many accounts with 429 + Retry-After, per address, per minute', async () => {
    const ipClock = new ManualClock();
    const t2 = await createTestApp('sqlite', { AUTH_IP_RPM: '5' }, { clock: ipClock });
    try {
      const signIn = (ip: string, email: string, password: string, url = '/api/v1/auth/login') =>
        t2.app.inject({ method: 'POST', url, payload: { email, password }, remoteAddress: ip });
      const attempt = (email: string, ip: string) => signIn(ip, email, 'not-the-password');
      // Five wrong passwords on five different accounts: each 401, no account is locked.
      for (let i = 0; i < 5; i++) expect((await attempt(`person${i}@example.com`, '10.0.0.1')).statusCode).toBe(401);
      const refused = await attempt('person5@example.com', '10.0.0.1');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // The right password from that address waits too, on the seed alias as well.
      const right = await signIn('10.0.0.1', SUPER_ADMIN.email, SUPER_ADMIN.password, '/v1/auth/login');
      expect(right.statusCode).toBe(429);
      // Another address is not affected.
      const other = await signIn('10.0.0.2', SUPER_ADMIN.email, SUPER_ADMIN.password);
      expect(other.statusCode).toBe(200);
      // A minute later the address may try again.
      ipClock.advance(60_000);
      const later = await signIn('10.0.0.1', SUPER_ADMIN.email, SUPER_ADMIN.password);
      expect(later.statusCode).toBe(200);
    } finally {
      await t2.close();
    }
  });
});
