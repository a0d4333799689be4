import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConsoleTestApp, cookieOf, startConsoleTestApp, testPasswordOf } from '../console/test-support.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('verifies the right password only, with the parameters inside the digest', async () => {
    const digest = await hashPassword('correct horse battery', { N: 1024, r: 8, p: 1 });
    assert.match(digest, /^scrypt\$1024\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse battery', digest), true);
    assert.equal(await verifyPassword('correct horse batterY', digest), false);
  });
  it('refuses short passwords and ones containing the user name', () => {
    assert.ok(passwordProblem('short', 'alice'));
    assert.ok(passwordProblem('alice-is-my-password', 'alice'));
    assert.equal(passwordProblem('a long enough passphrase', 'alice'), null);
  });
});

describe('console users and sessions', () => {
  let t: ConsoleTestApp;
  before(async () => {
    t = await startConsoleTestApp({ sessionIdleMinutes: 30, sessionAbsoluteHours: 2 });
  });
  after(() => t.close());

  it('creates the first admin with a one-time password that must be changed at first login', async () => {
    assert.ok(t.app.firstAdmin);
    const { username, password } = t.app.firstAdmin;
    const login = await t.login(username, password);
    assert.equal(login.statusCode, 200);
    assert.equal(login.json().mustChangePassword, true);
    const setCookie = String(login.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = cookieOf(login);
    // Until the password is changed, the session opens nothing but the console's own routes.
    assert.equal((await t.as(cookie, 'GET', '/v1/stats')).statusCode, 401);
    assert.equal((await t.as(cookie, 'GET', '/v1/console/me')).statusCode, 200);
    const weak = await t.as(cookie, 'POST', '/v1/console/password', {
      currentPassword: password,
      newPassword: 'short',
    });
    assert.equal(weak.json().error.code, 'WEAK_PASSWORD');
    const changed = await t.as(cookie, 'POST', '/v1/console/password', {
      currentPassword: password,
      newPassword: 'a-much-better-passphrase',
    });
    assert.equal(changed.statusCode, 200);
    assert.equal(changed.json().mustChangePassword, false);
    assert.equal((await t.as(cookie, 'GET', '/v1/stats')).statusCode, 200);
    assert.equal((await t.as(cookie, 'GET', '/v1/console/users')).statusCode, 200);
  });

  it('refuses a wrong password and an unknown user alike, and records the attempt', async () => {
    const wrong = await t.login('admin', 'not-the-password');
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error.code, 'INVALID_CREDENTIALS');
    assert.equal(wrong.headers['set-cookie'], undefined);
    const unknown = await t.login('nobody', 'not-the-password');
    assert.equal(unknown.json().error.code, 'INVALID_CREDENTIALS');
    const audit = await t.admin('GET', '/v1/audit?action=user.login.failed');
    const entries = audit.json().items as { actor: string; target: string; details: object }[];
    assert.equal(entries.length, 2);
    // Whoever typed the name is not known to be its user: the client acts, the name is the target.
    assert.deepEqual(
      entries.map((e) => [e.actor, e.target]),
      [
        ['ip:127.0.0.1', 'user:nobody'],
        ['ip:127.0.0.1', 'user:admin'],
      ],
    );
    assert.doesNotMatch(JSON.stringify(entries), /not-the-password/);
    const adminsOwn = await t.admin('GET', '/v1/audit?actor=user:admin&action=user.login');
    assert.deepEqual(
      (adminsOwn.json().items as { action: string }[]).map((e) => e.action),
      ['user.login'],
      "someone else's wrong guess is not in the admin's own trail",
    );
  });

  it('ends a session after the idle time and after the absolute lifetime, and at logout', async () => {
    const cookie = await t.user('idle', 'analyst');
    assert.equal((await t.as(cookie, 'GET', '/v1/stats')).statusCode, 200);
    t.advance(31 * 60_000);
    assert.equal((await t.as(cookie, 'GET', '/v1/stats')).statusCode, 401);
    assert.equal((await t.as(cookie, 'GET', '/v1/console/me')).statusCode, 401);

    const busy = await t.user('busy', 'analyst');
    // Active every 20 minutes: idle never runs out, the absolute lifetime (2 h) does.
    for (let i = 0; i < 5; i++) {
      t.advance(20 * 60_000);
      assert.equal((await t.as(busy, 'GET', '/v1/stats')).statusCode, 200, `at ${(i + 1) * 20} minutes`);
    }
    t.advance(25 * 60_000);
    assert.equal((await t.as(busy, 'GET', '/v1/stats')).statusCode, 401);

    const leaving = await t.user('leaving', 'viewer');
    assert.equal((await t.as(leaving, 'POST', '/v1/console/logout')).statusCode, 204);
    assert.equal((await t.as(leaving, 'GET', '/v1/stats')).statusCode, 401);
  });

  it('lets only admins manage users, and a disabled user loses their session at once', async () => {
    const supervisor = await t.user('sup', 'supervisor');
    assert.equal((await t.as(supervisor, 'GET', '/v1/console/users')).statusCode, 403);
    assert.equal(
      (await t.as(supervisor, 'POST', '/v1/console/users', { username: 'x1', role: 'admin' })).statusCode,
      403,
    );
    const victim = await t.user('victim', 'analyst');
    assert.equal((await t.admin('PATCH', '/v1/console/users/victim', { disabled: true })).statusCode, 200);
    assert.equal((await t.as(victim, 'GET', '/v1/stats')).statusCode, 401);
    const again = await t.login('victim', testPasswordOf('victim'));
    assert.equal(again.statusCode, 401);
  });

  it('records a user change with the changed fields only, not whatever else the body carried', async () => {
    await t.user('renamed', 'analyst');
    const changed = await t.admin('PATCH', '/v1/console/users/renamed', {
      displayName: 'Renamed Analyst',
      password: 'a password sent to the wrong place',
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const { rows } = await t.app.sql.query<{ details: unknown }>(
      "select details from audit_log where action = 'user.update' and target = 'user:renamed' order by seq desc limit 1",
    );
    assert.deepEqual(rows[0].details, { displayName: 'Renamed Analyst' });
  });

  it('requires an operator for an operator analyst and a known operator id', async () => {
    const missing = await t.admin('POST', '/v1/console/users', { username: 'oa', role: 'operator_analyst' });
    assert.equal(missing.json().error.code, 'VALIDATION_FAILED');
    const unknown = await t.admin('POST', '/v1/console/users', {
      username: 'oa',
      role: 'operator_analyst',
      operatorId: 'NOPE',
    });
    assert.equal(unknown.json().error.code, 'UNKNOWN_OPERATOR');
  });
});

describe('log-in throttle per client address', () => {
  let t: ConsoleTestApp;
  before(async () => {
    t = await startConsoleTestApp({ loginAttemptsPerIp: 3 });
  });
  after(() => t.close());

  it('answers 429 RATE_LIMITED past the attempts of the window, whatever the user, and audits it once', async () => {
    for (const name of ['alice', 'bob', 'carol']) {
      assert.equal((await t.login(name, 'guessing-a-password')).json().error.code, 'INVALID_CREDENTIALS');
    }
    // Even the right password is refused from this address until the window has passed.
    const { username, password } = t.app.firstAdmin!;
    for (let i = 0; i < 2; i++) {
      const throttled = await t.login(username, password);
      assert.equal(throttled.statusCode, 429);
      assert.equal(throttled.json().error.code, 'RATE_LIMITED');
      assert.equal(throttled.headers['set-cookie'], undefined);
    }
    const audit = await t.admin('GET', '/v1/audit?action=user.login.throttled');
    const entries = (audit.json().items as { action: string; clientIp: string }[]).filter(
      (e) => e.action === 'user.login.throttled',
    );
    assert.equal(entries.length, 1);
    assert.equal(entries[0].clientIp, '127.0.0.1');
  });

  it('counts a whole IPv6 /64 as one client: rotating addresses inside it does not shed the limit', async () => {
    const from = (ip: string, username: string) =>
      t.app.http.inject({
        method: 'POST',
        url: '/v1/console/login',
        remoteAddress: ip,
        payload: { username, password: 'guessing-a-password' },
      });
    for (const [i, name] of ['alice', 'bob', 'carol'].entries()) {
      assert.equal((await from(`2001:db8:77::${i + 1}`, name)).statusCode, 401);
    }
    const rotated = await from('2001:db8:77::ff:4', 'dave');
    assert.equal(rotated.statusCode, 429);
    assert.equal(rotated.json().error.code, 'RATE_LIMITED');
    // Another line (another /64) is not affected.
    assert.equal((await from('2001:db8:78::1', 'dave')).statusCode, 401);
  });
});

describe('client addresses behind a reverse proxy', () => {
  const attempt = (t: ConsoleTestApp, forwardedFor: string) =>
    t.app.http.inject({
      method: 'POST',
      url: '/v1/console/login',
      headers: { 'x-forwarded-for': forwardedFor },
      payload: { username: 'nobody', password: 'guessing-a-password' },
    });

  it('throttles each client the trusted proxy names, not the proxy itself', async () => {
    const t = await startConsoleTestApp({ loginAttemptsPerIp: 2, trustProxy: '127.0.0.1' });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await attempt(t, '10.0.0.5')).statusCode, 401);
      assert.equal((await attempt(t, '10.0.0.5')).statusCode, 429);
      // Another analyst behind the same proxy is not locked out.
      assert.equal((await attempt(t, '10.0.0.6')).statusCode, 401);
    } finally {
      await t.close();
    }
  });

  it('ignores X-Forwarded-For when no proxy is trusted: a client cannot shed its limit', async () => {
    const t = await startConsoleTestApp({ loginAttemptsPerIp: 2 });
    try {
      assert.equal((await attempt(t, '10.0.0.5')).statusCode, 401);
      assert.equal((await attempt(t, '10.0.0.6')).statusCode, 401);
      assert.equal((await attempt(t, '10.0.0.7')).statusCode, 429);
    } finally {
      await t.close();
    }
  });
});

describe('lock-out after wrong passwords', () => {
  let t: ConsoleTestApp;
  before(async () => {
    t = await startConsoleTestApp({ loginAttemptsPerIp: 1000 });
    await t.user('operator1', 'analyst');
  });
  after(() => t.close());

  const loginFrom = (ip: string, username: string, password: string) =>
    t.app.http.inject({
      method: 'POST',
      url: '/v1/console/login',
      remoteAddress: ip,
      payload: { username, password },
    });

  it('answers an existing and an unknown user alike, before and after the lock', async () => {
    const statuses = async (username: string, ip: string) => {
      const out: string[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await loginFrom(ip, username, 'guessing-a-password');
        out.push(`${r.statusCode} ${r.json().error.code} ${r.json().error.message}`);
      }
      return out;
    };
    const existing = await statuses('operator1', '10.20.0.1');
    const unknown = await statuses('no-such-user', '10.20.0.1');
    assert.deepEqual(unknown, existing);
    assert.match(existing[9], /^401 INVALID_CREDENTIALS/);
    assert.match(existing[10], /^429 RATE_LIMITED/);
  });

  it('locks the user out from the guessing address only, not from elsewhere', async () => {
    for (let i = 0; i < 12; i++) await loginFrom('10.30.0.66', 'operator1', 'guessing-a-password');
    const locked = await loginFrom('10.30.0.66', 'operator1', testPasswordOf('operator1'));
    assert.equal(locked.statusCode, 429, 'the right password is refused from the guessing address');
    const elsewhere = await loginFrom('10.40.0.7', 'operator1', testPasswordOf('operator1'));
    assert.equal(elsewhere.statusCode, 200, elsewhere.body);
    // Rotating addresses inside one IPv6 /64 does not shed the lock.
    for (let i = 0; i < 12; i++) await loginFrom(`2001:db8:66::${i + 1}`, 'operator1', 'guessing-a-password');
    assert.equal((await loginFrom('2001:db8:66::ff', 'operator1', testPasswordOf('operator1'))).statusCode, 429);
  });

  it('counts wrong current passwords at a password change towards the same lock, and audits them', async () => {
    const login = await loginFrom('10.70.0.1', 'operator1', testPasswordOf('operator1'));
    assert.equal(login.statusCode, 200, login.body);
    const cookie = cookieOf(login);
    const change = (currentPassword: string) =>
      t.app.http.inject({
        method: 'POST',
        url: '/v1/console/password',
        remoteAddress: '10.70.0.1',
        headers: { cookie },
        payload: { currentPassword, newPassword: 'a-brand-new-passphrase' },
      });
    for (let i = 0; i < 10; i++) {
      const wrong = await change(`guess-number-${i}-of-many`);
      assert.equal(wrong.json().error.code, 'INVALID_CREDENTIALS', `guess ${i + 1}`);
    }
    // Past the lock even the right current password is refused, and the password stays as it was.
    const locked = await change(testPasswordOf('operator1'));
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().error.code, 'RATE_LIMITED');
    assert.equal((await loginFrom('10.70.0.1', 'operator1', testPasswordOf('operator1'))).statusCode, 429);
    assert.equal((await loginFrom('10.80.0.1', 'operator1', testPasswordOf('operator1'))).statusCode, 200);
    const audit = await t.admin('GET', '/v1/audit?action=user.password.change.failed');
    const entries = audit.json().items as { actor: string; target: string; details: { code: string } }[];
    assert.equal(entries.length, 11);
    assert.ok(entries.every((e) => e.actor === 'user:operator1' && e.target === 'user:operator1'));
    assert.doesNotMatch(JSON.stringify(entries), /guess-number|Secret-pass|brand-new/);
  });

  it('lifts the lock after its time', async () => {
    for (let i = 0; i < 12; i++) await loginFrom('10.50.0.1', 'operator1', 'guessing-a-password');
    assert.equal((await loginFrom('10.50.0.1', 'operator1', testPasswordOf('operator1'))).statusCode, 429);
    t.advance(16 * 60_000);
    assert.equal((await loginFrom('10.50.0.1', 'operator1', testPasswordOf('operator1'))).statusCode, 200);
  });
});
