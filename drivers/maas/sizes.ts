/**
 * Drydock's calculate_bytes: `(>?)(\d+)(unit)`. m/g/t (and mb/gb/tb) are decimal, mi/gi/ti (mib/gib/tib)
 * binary, `%` a share of the device or VG size, and a leading `>` means "everything that is left"
 * (minus 4 MiB of slack), provided at least the stated size is left.
 */
export class NotEnoughStorageError extends Error {}

const UNITS: Record<string, number> = {
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
  '%': 0,
};
const SLACK = 4 * 2 ** 20;

export interface SizeContext {
  /** Whole size of the device or volume group (the base for %). */
  size: number;
  /** Still unallocated. */
  availableSize: number;
}

export function calculateBytes(spec: string, ctx: SizeContext): number {
  const m = /^(>?)(\d+)([a-z%]+)$/i.exec(spec.trim());
  const unit = m?.[3]?.toLowerCase();
  if (!m || unit === undefined || !(unit in UNITS)) throw new Error(`Invalid size string format: ${spec}`);
  const n = Number(m[2]);
  const bytes = unit === '%' ? Math.floor((ctx.size * n) / 100) : n * UNITS[unit]!;
  if (bytes > ctx.availableSize) {
    throw new NotEnoughStorageError(`${spec} (${bytes} bytes) exceeds the ${ctx.availableSize} bytes available`);
  }
  if (m[1] === '>') return ctx.availableSize - SLACK;
  return bytes;
}
