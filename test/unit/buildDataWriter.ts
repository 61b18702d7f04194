/**
 * A second process putting build data into a file store (test/unit/buildDataFile.test.ts):
 * `tsx buildDataWriter.ts <dir> <who> <count>` puts <count> records of node n01, one put each, as fast as it can.
 */
import { FileBuildDataStore } from '../../drivers/buildDataFile';

async function main(): Promise<void> {
  const [dir, who, count] = process.argv.slice(2);
  const store = new FileBuildDataStore({ dir: dir! });
  for (let i = 0; i < Number(count); i++) {
    await store.put([
      { nodeName: 'n01', taskId: `task-${who}`, collectedDate: new Date().toISOString(), generator: 'lshw', dataFormat: 'text/xml', data: `${who}-${i}-${'y'.repeat(64 * 1024)}` },
    ]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
