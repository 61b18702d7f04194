export * from './types';
export { MaasClient, type MaasClientConfig } from './client';
export { MaasProvisioner, type MaasProvisionerConfig } from './provisioner';
export { MaasNotFoundError, MaasRequestError } from './errors';
export { calculateBytes, kernelParamString, NotEnoughStorageError } from './sizes';
