import type { ApiContext } from './context';
import { ApiError, readJsonObject, type ApiRequest, type Reply } from './http';
import { POLICY, type Route } from './router';

/**
 * Drydock's ValidationResource: `POST /validatedesign {rel: 'design', href, type}` validates the design at
 * `href` synchronously (only href is read): 200 with the Validation status when it passes, 400 with the same
 * body when it fails or cannot be loaded, each with `code`.
 */
export function designRoutes(ctx: ApiContext): Route[] {
  return [{ method: 'POST', path: '/api/v1.0/validatedesign', rules: [POLICY.validateSiteDesign], handle: (req) => validateDesign(ctx, req) }];
}

async function validateDesign(ctx: ApiContext, req: ApiRequest): Promise<Reply> {
  const body = await readJsonObject(req);
  const href = body.href;
  if (typeof href !== 'string' || href.trim() === '')
    throw new ApiError(400, 'The design reference is required: body {"rel": "design", "href": "<design_ref>", "type": "application/x-yaml"}');
  // A fresh load: validating a design is asking whether its current content passes.
  const loaded = await ctx.deps.designs.fetch(href, { fresh: true });
  const code = loaded.status.status === 'Success' ? 200 : 400;
  return { status: code, json: { ...loaded.status, code } };
}
