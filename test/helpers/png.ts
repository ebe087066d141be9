// Decodes the PNGs headless Chromium writes (8-bit RGB or RGBA, not interlaced) with node:zlib, so
// a test can tell a rendered page from a blank one by its pixels.
import { inflateSync } from 'node:zlib';

export interface Png {
  readonly width: number;
  readonly height: number;
  /** Bytes per pixel: 3 (RGB) or 4 (RGBA). */
  readonly channels: number;
  /** Unfiltered rows, `width * channels` bytes each. */
  readonly pixels: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(file: Buffer): Png {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let off = 8; off < file.length; ) {
    const length = file.readUInt32BE(off);
    const type = file.toString('latin1', off + 4, off + 8);
    const data = file.subarray(off + 8, off + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}`);
      channels = colour === 6 ? 4 : 3;
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] ?? 0;
    const src = y * (stride + 1) + 1;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (pixels[y * stride + x - channels] ?? 0) : 0;
      const b = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const c = x >= channels && y > 0 ? (pixels[(y - 1) * stride + x - channels] ?? 0) : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter] ?? 0;
      pixels[y * stride + x] = ((raw[src + x] ?? 0) + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** How many distinct RGB colours the image has, and the share of pixels that differ from the top-left one (the background). */
export function colourStats(png: Png): { colours: number; inked: number } {
  const seen = new Set<number>();
  const bg = png.pixels.readUIntBE(0, 3);
  let inked = 0;
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) {
    const rgb = png.pixels.readUIntBE(i * png.channels, 3);
    seen.add(rgb);
    if (rgb !== bg) inked++;
  }
  return { colours: seen.size, inked: inked / n };
}
