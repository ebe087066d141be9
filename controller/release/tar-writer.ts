// A deterministic ustar writer: the same entries give the same bytes on any machine. Owners are
// 0/0 with no names, times are one fixed instant, modes are 0755 or 0644, and names longer than
// ustar's 100+155 bytes get a PAX `path` header. Pure (works on buffers).

export type TarEntry =
  | { readonly type: 'dir'; readonly path: string }
  | { readonly type: 'file'; readonly path: string; readonly data: Buffer; readonly executable: boolean }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string };

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(fields: { name: string; prefix: string; mode: number; size: number; mtime: number; type: string; linkname: string }): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(fields.name, 0, 100, 'utf8');
  h.write(octal(fields.mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(fields.size, 12), 124, 'ascii');
  h.write(octal(fields.mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum placeholder
  h.write(fields.type, 156, 'ascii');
  h.write(fields.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

const pad = (n: number): Buffer => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** Splits a name into ustar's prefix and name fields, or undefined when it does not fit. */
function splitName(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { name, prefix };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** The tar archive of `entries` (in the order given: sort them first), ending with two zero blocks. */
export function writeTar(entries: readonly TarEntry[], mtime: number): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const path = e.type === 'dir' ? `${e.path.replace(/\/$/, '')}/` : e.path;
    const linkname = e.type === 'symlink' ? e.target : '';
    let split = splitName(path);
    const pax: string[] = [];
    if (!split) {
      pax.push(paxRecord('path', path));
      split = { name: path.slice(-100).replace(/^[^/]*\//, ''), prefix: '' };
    }
    if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord('linkpath', linkname));
    if (pax.length > 0) {
      const data = Buffer.from(pax.join(''), 'utf8');
      out.push(header({ name: 'PaxHeader', prefix: '', mode: 0o644, size: data.length, mtime, type: 'x', linkname: '' }), data, pad(data.length));
    }
    const size = e.type === 'file' ? e.data.length : 0;
    const mode = e.type === 'dir' || (e.type === 'file' && e.executable) ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644;
    const type = e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0';
    out.push(header({ ...split, mode, size, mtime, type, linkname: linkname.slice(0, 100) }));
    if (e.type === 'file') out.push(e.data, pad(e.data.length));
  }
  out.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(out);
}
