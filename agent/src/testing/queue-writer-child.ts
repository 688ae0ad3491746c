// Test child: appends numbered records to a DiskQueue as fast as it can and prints each number
// once its append returned, until it is killed.
import { DiskQueue } from '../queue/disk-queue.js';

const q = new DiskQueue({ dir: process.argv[2]!, maxBytes: 64 << 20, segmentBytes: 4096, fsync: false });
let i = 0;
function loop(): void {
  for (let k = 0; k < 20; k++) {
    q.append(Buffer.from(String(i).padEnd(200, ' ')));
    process.stdout.write(`${i}\n`);
    i++;
  }
  setImmediate(loop);
}
loop();
