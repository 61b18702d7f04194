// Every workflow the worker registers. Workflow type names are Drydock's action names.
export { noop } from './noop';
