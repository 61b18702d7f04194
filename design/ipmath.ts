/** Minimal IPv4/IPv6 arithmetic for the network rules (address parsing, CIDR membership, host bits). */

export interface Cidr {
  version: 4 | 6;
  network: bigint;
  prefix: number;
  bits: number;
}

export function parseIp(text: string): { version: 4 | 6; value: bigint } | undefined {
  return text.includes(':') ? parseV6(text) : parseV4(text);
}

function parseV4(text: string): { version: 4; value: bigint } | undefined {
  const n = parseV4Number(text);
  return n === undefined ? undefined : { version: 4, value: BigInt(n) };
}

/** Dotted quad, each part 1–3 decimal digits ≤ 255; scanned by hand (split/regex/BigInt per part were hot). */
function parseV4Number(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46 /* . */) {
      if (digits === 0 || part > 255) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      if (++parts > 4) return undefined;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
}

function parseV6(text: string): { version: 6; value: bigint } | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string) => (s === '' ? [] : s.split(':'));
  const head = group(halves[0]);
  const tail = halves.length === 2 ? group(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return { version: 6, value };
}

export function parseCidr(text: string): (Cidr & { address: bigint }) | undefined {
  const [addr, prefixText, ...extra] = text.split('/');
  if (extra.length) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const bits = ip.version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d+$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return undefined;
  const mask = ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { version: ip.version, network: ip.value & mask, prefix, bits, address: ip.value };
}

export function cidrContains(cidr: Cidr, ip: { version: 4 | 6; value: bigint }): boolean {
  if (cidr.version !== ip.version) return false;
  const shift = BigInt(cidr.bits - cidr.prefix);
  return ip.value >> shift === cidr.network >> shift;
}

/**
 * cidrContains for an address still in text form (false when it is not an address). IPv4 is compared in
 * plain numbers: BigInt arithmetic, several allocations per address, was hot on large sites.
 */
export function cidrContainsText(cidr: Cidr, address: string): boolean {
  if (cidr.version === 4 && !address.includes(':')) {
    const ip = parseV4Number(address);
    if (ip === undefined) return false;
    const size = 2 ** (cidr.bits - cidr.prefix);
    return Math.floor(ip / size) === Math.floor(Number(cidr.network) / size);
  }
  const ip = parseIp(address);
  return !!ip && cidrContains(cidr, ip);
}

export function formatIp(version: 4 | 6, value: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return compressV6(groups);
}

/** RFC 5952: the longest run (≥ 2) of zero groups becomes '::'. */
function compressV6(groups: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
