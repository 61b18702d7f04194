// Every workflow the worker registers. Top-level workflow types are Drydock's action names, so cLCP starts
// `deploy_nodes` exactly as it would ask Drydock for it; per-node children are named after their step.
export { noop } from './noop';
export { validate_design } from './validateDesign';
export { verify_site, prepare_site } from './siteActions';
export { site_design_lock } from './designLock';
export { verify_nodes, prepare_nodes, deploy_nodes, destroy_nodes, relabel_nodes } from './nodeActions';
export { prepareNode } from './node/prepareNode';
export { deployNode } from './node/deployNode';
export { destroyNode } from './node/destroyNode';
export { verifyNode } from './node/verifyNode';
export { relabelNode } from './node/relabelNode';
export { nodeBatch } from './nodeBatch';
