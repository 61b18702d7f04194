import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

/**
 * Peer processes (ipmi_sim, sushy-emulator) run in their own process group, so stopping one also ends
 * what it spawned (chassis_control.sh and its `sleep`, Flask's workers). Whatever a crashed test leaves
 * behind is killed when the node process exits.
 */
export interface PeerProcess {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`; then SIGKILL to anything left in the group. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

export function spawnPeer(file: string, args: string[], options: SpawnOptions): PeerProcess {
  const child = spawn(file, args, { ...options, detached: true });
  running.add(child);
  let done = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      done = true;
      running.delete(child);
      resolve();
    }),
  );
  return {
    child,
    exited,
    hasExited: () => done,
    async stop(graceMs = 3000) {
      if (!done) {
        killGroup(child, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))]);
        clearTimeout(timer);
        if (!ended) {
          killGroup(child, 'SIGKILL');
          await exited;
        }
      }
      killGroup(child, 'SIGKILL');
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}
