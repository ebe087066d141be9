import t from 'tap';
import { SECRET_ENV_NAMES, buildHookEnv, isDeniedEnvName } from '../../../../agent/hooks/script-env.js';

const vars = {
  LIFECYCLE_EVENT: 'AfterInstall',
  DEPLOYMENT_ID: 'd-123',
  APPLICATION_NAME: 'app',
  DEPLOYMENT_GROUP_NAME: 'group',
  DEPLOYMENT_GROUP_ID: 'gid-1',
};

t.test('adds the documented variables and keeps the rest of the agent environment', async (t) => {
  const base = { PATH: '/usr/bin:/bin', HOME: '/root', AWS_REGION: 'eu-west-1', LIFECYCLE_EVENT: 'stale' };
  const env = buildHookEnv(base, { ...vars, BUNDLE_BUCKET: 'b', BUNDLE_KEY: 'k', BUNDLE_VERSION: 'v1', BUNDLE_ETAG: 'e' });
  t.same(env, {
    PATH: '/usr/bin:/bin',
    HOME: '/root',
    AWS_REGION: 'eu-west-1',
    ...vars,
    BUNDLE_BUCKET: 'b',
    BUNDLE_KEY: 'k',
    BUNDLE_VERSION: 'v1',
    BUNDLE_ETAG: 'e',
  });
  t.equal(base.LIFECYCLE_EVENT, 'stale', 'the base environment is not modified');
});

t.test('undefined bundle variables are unset, even when inherited', async (t) => {
  const env = buildHookEnv({ BUNDLE_VERSION: 'old', BUNDLE_COMMIT: 'abc', KEEP: undefined }, { ...vars, BUNDLE_COMMIT: 'deadbeef', BUNDLE_VERSION: undefined });
  t.equal(env.BUNDLE_COMMIT, 'deadbeef');
  t.notOk('BUNDLE_VERSION' in env);
  t.notOk('BUNDLE_BUCKET' in env);
  t.notOk('KEEP' in env);
});

t.test('credentials and secret-looking variables never reach hooks', async (t) => {
  const base: NodeJS.ProcessEnv = { PATH: '/bin', AWS_HOST_IDENTIFIER: 'arn:x', DB_PASSWORD: 'p', github_token: 't', SSH_PRIVATE_KEY: 'k', MySecret: 's' };
  for (const name of SECRET_ENV_NAMES) base[name] = 'fake';
  const env = buildHookEnv(base, vars);
  for (const name of [...SECRET_ENV_NAMES, 'DB_PASSWORD', 'github_token', 'SSH_PRIVATE_KEY', 'MySecret']) t.notOk(name in env, `${name} removed`);
  t.equal(env.AWS_HOST_IDENTIFIER, 'arn:x');
  t.equal(env.PATH, '/bin');
});

t.test('an extra deny list takes names and patterns', async (t) => {
  const env = buildHookEnv({ LD_PRELOAD: 'x.so', LD_LIBRARY_PATH: '/l', CORP_CONFIG: 'c', PATH: '/bin' }, vars, { deny: ['CORP_CONFIG', /^LD_/] });
  t.same(Object.keys(env).sort(), ['PATH', ...Object.keys(vars)].sort());
  t.ok(isDeniedEnvName('AWS_SESSION_TOKEN'));
  t.notOk(isDeniedEnvName('AWS_REGION'));
});
