// The shared mock upstream (server/test/mock-upstream) in its own process for the benchmark.
//   tsx mock-server.ts → sends {port} on the IPC channel; {cmd:'defaults', behavior} changes them.
import { startMockUpstream, type MockBehavior } from '../../server/test/mock-upstream/index.js';

const mock = await startMockUpstream({ keepRequests: 0 });
process.send?.({ port: mock.port });
process.on('message', (m: { cmd?: string; behavior?: MockBehavior }) => {
  if (m.cmd === 'defaults') {
    mock.setDefaults(m.behavior ?? {});
    process.send?.({ ok: true });
  }
  if (m.cmd === 'stop') void mock.close().finally(() => process.exit(0));
});
