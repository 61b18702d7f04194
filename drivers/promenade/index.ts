export { PromenadeLabelDriver, staticTokenProvider, type TokenProvider, type PromenadeConfig } from './labels';
