import type { DevServer } from '../../worker/devServer';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __drydockServer?: DevServer }).__drydockServer;
  await server?.stop();
}
