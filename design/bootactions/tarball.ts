/**
 * Drydock's BootactionUtils.tarbuilder: a gzip'd GNU tar of rendered assets, one regular-file member per
 * asset named by its path (leading slash kept), mode = its permissions (0o600 when unset), uid/gid 0,
 * mtime 0 (Python's TarInfo default), so the same assets always give the same bytes.
 */
import { gzipSync } from 'zlib';
import type { RenderedAsset } from './render';

/** An asset's tar mode: its permissions, or 0o600 when it has none (tarbuilder: `a.permissions if a.permissions else 0o600`). */
export function assetMode(permissions: number | null | undefined): number {
  return permissions ? permissions : 0o600;
}

const BLOCK = 512;
/** Python's tarfile pads the archive to a multiple of RECORDSIZE (20 blocks). */
const RECORD = 20 * BLOCK;
const GNU_MAGIC = Buffer.from('ustar  \0', 'latin1');
// Drydock's TarInfo leaves the owner names empty; root/root is what a node unpacking as root gets anyway,
// and `tar -tv` then shows the owner by name.
const OWNER = 'root';

/** The gzip'd tar of the assets of `type` ('unit' or 'file'), in the order given; pkg_list assets never become members. */
export function tarball(assets: RenderedAsset[], type: 'unit' | 'file'): Buffer {
  const parts: Buffer[] = [];
  for (const a of assets) {
    if (a.type !== type) continue;
    if (!a.path) throw new Error(`Boot action ${a.bootAction}: a ${a.type} asset without a path cannot be a tar member`);
    const name = Buffer.from(a.path, 'utf8');
    // GNU long name: a '././@LongLink' entry of type 'L' carries the full name.
    if (name.length > 100)
      parts.push(header(Buffer.from('././@LongLink'), 0, Buffer.concat([name, Buffer.alloc(1)]).length, 'L', ''), padded(Buffer.concat([name, Buffer.alloc(1)])));
    parts.push(header(name, assetMode(a.permissions) & 0o7777, a.data.length, '0', OWNER), padded(a.data));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  const tar = Buffer.concat(parts);
  const total = Math.ceil(tar.length / RECORD) * RECORD;
  return gzipSync(Buffer.concat([tar, Buffer.alloc(total - tar.length)]), { level: 9 });
}

function header(name: Buffer, mode: number, size: number, typeflag: string, owner: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0, 0, Math.min(name.length, 100));
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1'); // uid
  h.write(octal(0, 8), 116, 'latin1'); // gid
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(0, 12), 136, 'latin1'); // mtime
  h.fill(0x20, 148, 156); // checksum counted as spaces
  h.write(typeflag, 156, 'latin1');
  GNU_MAGIC.copy(h, 257);
  h.write(owner, 265, 'utf8'); // uname
  h.write(owner, 297, 'utf8'); // gname
  // devmajor/devminor stay NUL for a regular file, as Python's tarfile leaves them.
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** Zero-padded octal of `width - 1` digits and a NUL, as tarfile's itn() writes it. */
function octal(n: number, width: number): string {
  const digits = n.toString(8);
  if (digits.length > width - 1) throw new Error(`tar field overflow: ${n} does not fit in ${width - 1} octal digits`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}
