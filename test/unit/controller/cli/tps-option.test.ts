import t from 'tap';
import { parseTpsOption } from '../../../../controller/cli/tps-option.js';

t.test('--tps: services and service.Operation keys with calls per second', async (t) => {
  t.same(parseTpsOption('codedeploy=20, iot=2.5', ['codedeploy', 'iot']), { codedeploy: 20, iot: 2.5 });
  t.same(parseTpsOption('codedeploy.RegisterOnPremisesInstance=4', ['codedeploy']), { 'codedeploy.RegisterOnPremisesInstance': 4 });
  t.same(parseTpsOption(' , ', ['iot']), {});
});

t.test('--tps: what is refused, and why', async (t) => {
  t.match(parseTpsOption('s3=1', ['codedeploy']), { error: /unknown service 's3' \(known: codedeploy\)/ });
  t.match(parseTpsOption('iot=0', ['iot']), { error: /above 0/ });
  t.match(parseTpsOption('iot', ['iot']), { error: /service=/ });
  t.match(parseTpsOption('iot.createThing=1', ['iot']), { error: /service=/ }, 'operations are capitalised');
});
