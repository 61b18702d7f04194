import type { Logger } from '../common/logger';
import type { EffectiveDesign, LoadedDesign } from '../design';

export type DesignLoader = (designRef: string) => Promise<LoadedDesign>;

/** Raised when a design that a task started with has changed under it, or cannot be used. */
export class DesignUnusableError extends Error {}

/**
 * The worker's view of site designs. Workflows carry only the design reference and its content hash;
 * activities get the effective design (with credentials) from here, inside the worker, so neither the
 * design nor its secrets pass through workflow history. Loads are cached briefly, like Drydock's resolver.
 */
export class DesignStore {
  private readonly cache = new Map<string, { at: number; loaded: Promise<LoadedDesign> }>();

  constructor(
    private readonly load: DesignLoader,
    private readonly logger: Logger,
    private readonly ttlMs = 180_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The loaded design, whatever its validation status. */
  async fetch(designRef: string, opts: { fresh?: boolean } = {}): Promise<LoadedDesign> {
    const hit = this.cache.get(designRef);
    if (hit && !opts.fresh && this.now() - hit.at < this.ttlMs) return hit.loaded;
    const loaded = this.load(designRef);
    this.cache.set(designRef, { at: this.now(), loaded });
    loaded.catch(() => this.cache.delete(designRef));
    return loaded;
  }

  /**
   * A design usable for actions: validated without errors and, when `expectHash` is given, with the same
   * content the task started with (a changed design is refused rather than half-applied).
   */
  async usable(designRef: string, expectHash?: string): Promise<{ design: EffectiveDesign; contentHash: string }> {
    let loaded = await this.fetch(designRef);
    if (expectHash && loaded.contentHash !== expectHash) {
      this.cache.delete(designRef);
      loaded = await this.fetch(designRef);
    }
    if (expectHash && loaded.contentHash !== expectHash) {
      throw new DesignUnusableError(`site design at ${designRef} changed since the task started (content ${short(expectHash)} → ${short(loaded.contentHash)}); start a new task`);
    }
    if (loaded.status.status !== 'Success' || !loaded.design) {
      const errors = loaded.status.details.messageList.filter((m) => m.error).map((m) => m.message);
      this.logger.warn('site design unusable', { designRef, errors: errors.length });
      throw new DesignUnusableError(`Unable to render effective site design: ${errors.slice(0, 5).join('; ') || loaded.status.message}`);
    }
    return { design: loaded.design, contentHash: loaded.contentHash };
  }
}

function short(hash: string): string {
  return hash.slice(0, 12);
}
