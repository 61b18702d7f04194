export { startDrydockApi, type DrydockApi, type DrydockApiOptions } from './server';
export type { ApiDeps } from './context';
export { apiConfigFromEnv, type ApiConfig } from './config';
export { allowAll, type AuthDecision, type Authorize } from './http';
export { POLICY, actionRule } from './router';
