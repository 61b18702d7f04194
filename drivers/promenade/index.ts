export { PromenadeLabelDriver, staticTokenProvider, type LabelDriver, type TokenProvider, type PromenadeConfig } from './labels';
