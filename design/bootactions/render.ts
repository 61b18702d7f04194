/**
 * Rendering boot action assets as Drydock does (BootAction.render_assets / BootActionAsset.render): for
 * each boot action targeting the node, in design order, each asset's bytes come from `location` (after
 * `location_pipeline`, fetched through the design resolver) or from its inline `data` (UTF-8), then run
 * through `data_pipeline`. A `pkg_list` asset yields its packages instead (fetched and parsed when it has
 * a location). Pure apart from the fetches.
 */
import type { EffectiveBootAction, EffectiveDesign } from '../effective';
import type { BootActionAsset } from '../model';
import { redactRef, resolveDesignRef } from '../resolver';
import { hasNonStringKeys, parseYamlStream } from '../yamlParse';
import { NodeContextError, templateContext, type BootActionIdentity, type TemplateContext } from './context';
import { executePipeline, SegmentError, UnknownSegmentError, type PipelineValue } from './pipeline';
import { assetMode } from './tarball';

export interface RenderedAsset {
  /** The boot action document's name. */
  bootAction: string;
  type: 'unit' | 'file' | 'pkg_list';
  /** The asset's path as written in the design (absolute, leading slash kept); null for a pkg_list without one. */
  path: string | null;
  /** Numeric mode: the design's octal string ('555' → 0o555), 0o600 when absent (Drydock's tarbuilder default). */
  permissions: number;
  /** The rendered bytes; empty for pkg_list. */
  data: Buffer;
  /** pkg_list only: package name → version, or null for any version. */
  packages?: Record<string, string | null>;
}

/**
 * Drydock's error classes for a failed render: UnknownPipelineSegment and PipelineFailure as Drydock names
 * them, InvalidAssetLocation as LocationFetch, and a failing `template` segment as Template.
 */
export type BootActionRenderErrorKind = 'UnknownPipelineSegment' | 'PipelineFailure' | 'LocationFetch' | 'Template';

export class BootActionRenderError extends Error {
  override name = 'BootActionRenderError';
  constructor(
    readonly bootAction: string,
    /** The asset's path, or "<type> asset <n>" (1-based position) for an asset without one. */
    readonly asset: string,
    readonly kind: BootActionRenderErrorKind,
    /** Drydock's text for the failure, without the boot action and asset. */
    readonly reason: string,
  ) {
    super(`Boot action ${bootAction}, asset ${asset}: ${reason}`);
  }
}

export interface RenderOptions {
  /** Fetches an asset `location`; default: the design resolver (file://, http(s)://, deckhand+http(s)://) with Drydock's timeouts and retries. */
  fetch?: (url: string) => Promise<Buffer>;
}

/** Renders, in design order, every asset of every boot action targeting `node`. Throws BootActionRenderError. */
export async function renderNodeAssets(
  design: EffectiveDesign,
  node: string,
  identity: (bootAction: string) => BootActionIdentity,
  opts: RenderOptions = {},
): Promise<RenderedAsset[]> {
  const fetch = opts.fetch ?? ((url: string) => resolveDesignRef(url));
  const out: RenderedAsset[] = [];
  for (const ba of design.bootactions) {
    if (!ba.target_nodes.includes(node)) continue;
    let ctx: TemplateContext | undefined;
    for (const [index, asset] of ba.assets.entries()) {
      const label = asset.path ?? `${asset.type} asset ${index + 1}`;
      if (!ctx) {
        try {
          ctx = templateContext(design, node, identity(ba.name));
        } catch (e) {
          if (e instanceof NodeContextError) throw new BootActionRenderError(ba.name, label, 'PipelineFailure', e.message);
          throw e;
        }
      }
      out.push(await renderAsset(ba, asset, label, ctx, fetch));
    }
  }
  return out;
}

async function renderAsset(ba: EffectiveBootAction, asset: BootActionAsset, label: string, ctx: TemplateContext, fetch: (url: string) => Promise<Buffer>): Promise<RenderedAsset> {
  const fail = (kind: BootActionRenderErrorKind, reason: string) => new BootActionRenderError(ba.name, label, kind, reason);
  const pipeline = (value: PipelineValue, segments: readonly string[]): PipelineValue => {
    try {
      return executePipeline(value, segments, ctx as unknown as Record<string, unknown>);
    } catch (e) {
      if (e instanceof UnknownSegmentError) throw fail('UnknownPipelineSegment', e.message);
      if (e instanceof SegmentError) throw fail(e.segment === 'template' ? 'Template' : 'PipelineFailure', e.message);
      throw e;
    }
  };
  const base = { bootAction: ba.name, type: asset.type, path: asset.path ?? null, permissions: assetMode(asset.permissions) };
  // Drydock fails later, building the tarball (TarInfo without a name); failing here names the asset.
  if (asset.type !== 'pkg_list' && !asset.path) throw fail('PipelineFailure', `a ${asset.type} asset needs a path`);

  let block: Buffer | undefined;
  if (asset.location !== undefined && asset.location !== null) {
    const rendered = pipeline(asset.location, asset.location_pipeline);
    const url = typeof rendered === 'string' ? rendered : rendered.toString('utf8');
    try {
      block = await fetch(url);
    } catch (e) {
      throw fail('LocationFetch', `Unable to resolve asset reference ${redactRef(url)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (asset.type === 'pkg_list') {
    let packages: Record<string, string | null>;
    try {
      packages = block ? parsePackageList(block) : { ...(asset.package_list ?? {}) };
    } catch (e) {
      throw fail('PipelineFailure', `InvalidPackageListFormat - ${(e as Error).message}`);
    }
    return { ...base, data: Buffer.alloc(0), packages };
  }
  if (!block) {
    if (typeof asset.data !== 'string') throw fail('PipelineFailure', 'the asset has neither data nor a location');
    block = Buffer.from(asset.data, 'utf8');
  }
  const value = pipeline(block, asset.data_pipeline);
  return { ...base, data: typeof value === 'string' ? Buffer.from(value, 'utf8') : value };
}

/** Drydock's _parse_package_list: a YAML (or JSON) mapping of package name → version string or empty. */
function parsePackageList(bytes: Buffer): Record<string, string | null> {
  let docs;
  try {
    docs = parseYamlStream(new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'package list');
  } catch (e) {
    throw new Error(`Invalid YAML in package list: ${(e as Error).message}`, { cause: e });
  }
  if (docs.length > 1) throw new Error('Invalid YAML in package list: expected a single document in the stream');
  const value = docs[0]?.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('Package data should have a top-level mapping/object.');
  if (hasNonStringKeys(value)) throw new Error('Keys and values must be strings.');
  const out: Record<string, string | null> = {};
  for (const [name, version] of Object.entries(value as Record<string, unknown>)) {
    // Drydock accepts a string or any other empty value (`not v`), which means no version requirement.
    if (typeof version === 'string') out[name] = version;
    else if (!version) out[name] = null;
    else throw new Error('Keys and values must be strings.');
  }
  return out;
}
