import t from 'tap';
import { commandsEndpoint, commandsServiceName, partitionDomain } from '../../../../agent/command/commands-endpoint.js';

t.test('the endpoint of each partition', async (t) => {
  t.equal(commandsEndpoint('eu-west-1'), 'https://codedeploy-commands.eu-west-1.amazonaws.com');
  t.equal(commandsEndpoint('ap-northeast-2'), 'https://codedeploy-commands.ap-northeast-2.amazonaws.com');
  t.equal(commandsEndpoint('us-gov-west-1'), 'https://codedeploy-commands.us-gov-west-1.amazonaws.com');
  t.equal(commandsEndpoint('cn-north-1'), 'https://codedeploy-commands.cn-north-1.amazonaws.com.cn');
  t.equal(commandsEndpoint('cn-northwest-1'), 'https://codedeploy-commands.cn-northwest-1.amazonaws.com.cn');
  t.equal(commandsEndpoint('eusc-de-east-1'), 'https://codedeploy-commands.eusc-de-east-1.amazonaws.eu');
  t.equal(partitionDomain('us-east-1'), 'amazonaws.com');
});

t.test('secure and FIPS variants', async (t) => {
  t.equal(commandsEndpoint('us-east-1', { secure: true }), 'https://codedeploy-commands-secure.us-east-1.amazonaws.com');
  t.equal(commandsEndpoint('us-east-1', { fips: true }), 'https://codedeploy-commands-fips.us-east-1.amazonaws.com');
  t.equal(commandsEndpoint('us-gov-east-1', { secure: true, fips: true }), 'https://codedeploy-commands-secure-fips.us-gov-east-1.amazonaws.com');
  t.equal(commandsEndpoint('cn-north-1', { secure: true }), 'https://codedeploy-commands-secure.cn-north-1.amazonaws.com.cn');
  t.equal(commandsServiceName(), 'codedeploy-commands');
  t.equal(commandsServiceName({ secure: true }), 'codedeploy-commands-secure');
});

t.test('an override is used as given', async (t) => {
  t.equal(commandsEndpoint('eu-west-1', { override: 'http://127.0.0.1:4567' }), 'http://127.0.0.1:4567');
  t.equal(commandsEndpoint('eu-west-1', { override: ' https://proxy.example/commands ', secure: true, fips: true }), 'https://proxy.example/commands');
  t.equal(commandsEndpoint('not a region!', { override: 'https://x.example' }), 'https://x.example', 'the region does not matter then');
  t.equal(commandsEndpoint('eu-west-1', { override: '' }), 'https://codedeploy-commands.eu-west-1.amazonaws.com', 'an empty override is no override');
  t.throws(() => commandsEndpoint('eu-west-1', { override: 'codedeploy.example' }), { code: 'CONFIG_INVALID', message: /is not a URL/ });
  t.throws(() => commandsEndpoint('eu-west-1', { override: 'ftp://x.example' }), { code: 'CONFIG_INVALID', message: /http\(s\) URL/ });
});

t.test('invalid regions are refused (no host-name injection)', async (t) => {
  for (const region of ['', 'EU-WEST-1', 'eu-west-1.evil.example', 'eu_west_1', 'cn-north', 'cn-north-1.x', 'a-very-long-region-name-1', 'eu-west-1/']) {
    t.throws(() => commandsEndpoint(region), { code: 'CONFIG_INVALID', message: `Invalid region: ${region}` }, JSON.stringify(region));
  }
});
