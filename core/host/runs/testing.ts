import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '../../api/client.js';
import type { RunInfo } from '../../api/experiment.js';
import type { EventName, EventPayload } from '../../api/methods.js';
import { connectInProcess } from '../../api/testing.js';
import type { PipelineConfigInput } from '../../pipeline/config.js';
import { createMirageService } from '../service.js';
import type { MirageService } from '../service.js';

/**
 * A whole experiment small enough for a unit test on 2 cores: 4 training
 * samples x 3 probes, a tiny network, 3 validation samples, a 2 x 2
 * calibration grid.
 */
export const TINY_CONFIG: PipelineConfigInput = {
  name: 'tiny',
  dataset: { samples: 4, probes: 3 },
  training: { model: 'default', epochs: 1, dModel: 8, heads: 1, layers: 1, ffDim: 8, backend: 'wasm' },
  validation: { samples: 3, baselines: ['reactive', 'average'], calibrate: { lowHours: [-0.5, 0], confirmations: [1, 3] } },
  workers: 1,
};

export interface TestHost {
  service: MirageService;
  client: ApiClient;
  runsDir: string;
  /** Every event received, in order. */
  events: { event: EventName; payload: unknown }[];
  /** Resolves with the run's info once a run.status event satisfies `until`. */
  waitForStatus(runId: string, until: (info: RunInfo) => boolean, timeoutMs?: number): Promise<RunInfo>;
  close(): void;
}

/** The service in this process with a runs folder, a client, and every event it pushes recorded. */
export async function startTestHost(runsDir?: string, options: { trainFlushMs?: number } = {}): Promise<TestHost> {
  const dir = runsDir ?? (await mkdtemp(join(tmpdir(), 'mirage-runs-')));
  const service = createMirageService({ backend: 'in-process', canReadPaths: false, runsDir: dir, log: () => {}, runEventIntervalsMs: { train: options.trainFlushMs } });
  const { client, close } = connectInProcess(service.handlers, { events: service.events, log: () => {} });
  const events: TestHost['events'] = [];
  const waiters = new Set<() => void>();
  for (const name of ['run.status', 'run.progress', 'run.train'] as const) {
    client.on(name, (payload: EventPayload<typeof name>) => {
      events.push({ event: name, payload });
      for (const w of [...waiters]) w();
    });
  }
  const waitForStatus: TestHost['waitForStatus'] = (runId, until, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        for (let i = events.length - 1; i >= 0; i--) {
          const e = events[i];
          if (e.event === 'run.status' && (e.payload as RunInfo).id === runId) {
            if (until(e.payload as RunInfo)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(e.payload as RunInfo);
            }
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`run ${runId}: no matching status within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { service, client, runsDir: dir, events, waitForStatus, close };
}
