import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, settingEnvNames } from './config.ts';

describe('configuration', () => {
  it('starts from documented defaults', () => {
    const config = loadConfig({}, {});
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, './data');
    assert.deepEqual(config.roles, ['screening', 'ingest', 'detect', 'console']);
    assert.equal(config.originWaitMs, 150);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.policy));
  });

  it('takes flags over environment over defaults', () => {
    const config = loadConfig({ port: '9000' }, { PORT: '9100', CALLSHIELD_DATA_DIR: '/srv/callshield' });
    assert.equal(config.port, 9000);
    assert.equal(config.dataDir, '/srv/callshield');
  });

  it('names every bad setting with its variable', () => {
    assert.throws(
      () => loadConfig({}, { PORT: 'eighty', CALLSHIELD_ROLES: 'screening,dancing', CALLSHIELD_ADMIN_TOKEN: 'short' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /port \(PORT\)/);
        assert.match(error.message, /unknown role "dancing"/);
        assert.match(error.message, /adminToken \(CALLSHIELD_ADMIN_TOKEN\): must be at least 16 characters/);
        return true;
      },
    );
  });

  it('reads a policy given inline and refuses an unknown reason', () => {
    const config = loadConfig({ policy: '{"actions":{"UNCONFIRMED_ORIGIN":"label"},"shadow":["CALL_BURST"]}' }, {});
    assert.equal(config.policy.actions.UNCONFIRMED_ORIGIN, 'label');
    assert.deepEqual(config.policy.shadow, ['CALL_BURST']);
    assert.throws(() => loadConfig({ policy: '{"actions":{"NO_SUCH_REASON":"block"}}' }, {}), ConfigError);
    assert.throws(() => loadConfig({ policy: '{not json' }, {}), /policy: cannot read/);
  });

  it('is documented: every environment variable appears in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of Object.values(settingEnvNames))
      assert.ok(readme.includes(`\`${name}\``), `${name} is not in README.md`);
  });
});
