// Every example revision under appspec/examples/ has a valid AppSpec with no warnings.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parseAppSpec } from '../../../appspec/index.js';

const root = new URL('../../../appspec/examples/', import.meta.url);
const examples = existsSync(root) ? readdirSync(root).filter((name) => existsSync(new URL(`${name}/appspec.yml`, root))) : [];

t.test('example AppSpecs parse cleanly', async (t) => {
  for (const name of examples) {
    const r = parseAppSpec(readFileSync(new URL(`${name}/appspec.yml`, root), 'utf8'));
    t.ok(r.ok, `${name}: ${JSON.stringify(r.ok ? r.warnings : r.issues)}`);
    t.same(r.warnings, [], `${name}: no warnings`);
  }
  t.pass(`${examples.length} example(s)`);
});
