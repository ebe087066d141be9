import t from 'tap';
import { readFileSync } from 'node:fs';
import { renderErrorCodes } from '../../../scripts/error-codes-doc.js';

t.test('docs/error-codes.md matches the registry (run scripts/error-codes-doc.ts --write)', async (t) => {
  t.equal(readFileSync(new URL('../../../docs/error-codes.md', import.meta.url), 'utf8'), renderErrorCodes());
});
