import t from 'tap';
import { contentTypeOf } from '../../../../controller/release/content-types.js';

t.test('content types from the extension, case-insensitive; unknown ones are octet-stream', async (t) => {
  t.equal(contentTypeOf('index.html'), 'text/html; charset=utf-8');
  t.equal(contentTypeOf('a/b/APP.JS'), 'text/javascript; charset=utf-8');
  t.equal(contentTypeOf('img/logo.svg'), 'image/svg+xml');
  t.equal(contentTypeOf('fonts/x.woff2'), 'font/woff2');
  t.equal(contentTypeOf('site.webmanifest'), 'application/manifest+json; charset=utf-8');
  t.equal(contentTypeOf('LICENSE'), 'application/octet-stream');
  t.equal(contentTypeOf('.htaccess'), 'application/octet-stream', 'a dot file has no extension');
  t.equal(contentTypeOf('dir.d/file'), 'application/octet-stream');
  t.equal(contentTypeOf('x.unknown'), 'application/octet-stream');
});
