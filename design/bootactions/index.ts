/**
 * Boot action assets rendered as Drydock renders them, and the tarball a node fetches them in.
 * Pure apart from `location` fetches: no Temporal, no state.
 */
export type { BootActionIdentity, TemplateContext } from './context';
export { nodeContext, templateContext } from './context';
export { PIPELINE_SEGMENTS } from './pipeline';
export { BootActionRenderError, renderNodeAssets, type BootActionRenderErrorKind, type RenderedAsset, type RenderOptions } from './render';
export { assetMode, tarball } from './tarball';
