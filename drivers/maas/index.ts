export { MaasClient, type MaasClientConfig } from './maasClient';
export { MaasProvisioner, type MaasProvisionerConfig } from './provisioner';
export { MaasNotFoundError, MaasRequestError } from './errors';
export { calculateBytes, NotEnoughStorageError } from './sizes';
