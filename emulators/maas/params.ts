/** Request parameters: the query string (minus op) plus an urlencoded or multipart body; names may repeat. */
export class Params {
  constructor(private readonly values: Map<string, string[]>) {}

  static empty(): Params {
    return new Params(new Map());
  }
  add(name: string, value: string): void {
    const list = this.values.get(name) ?? [];
    list.push(value);
    this.values.set(name, list);
  }
  has(name: string): boolean {
    return this.values.has(name);
  }
  get(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }
  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }
  int(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  /** Django's boolean form field: "True", "true", "1", "on". */
  bool(name: string): boolean | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    return ['true', '1', 'on', 'yes'].includes(v.toLowerCase());
  }
  /** A list sent either as repeated parts or as one comma-separated value. */
  list(name: string): string[] {
    return this.all(name)
      .flatMap((v) => v.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
  }
  entries(): Array<[string, string]> {
    return [...this.values].flatMap(([k, vs]) => vs.map((v) => [k, v] as [string, string]));
  }
}
