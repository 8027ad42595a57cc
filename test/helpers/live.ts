import { afterEach } from 'vitest';
import type { SimCluster } from '../../sim/cluster.js';
import type { Service } from '../../src/service.js';

/** What a test started; stopped after each test (router first, then the simulated nodes). */
export interface Live {
  cluster?: SimCluster;
  service?: Service;
}

export function stopAfterEach(): Live {
  const live: Live = {};
  afterEach(async () => {
    await live.service?.stop();
    await live.cluster?.close();
    live.service = undefined;
    live.cluster = undefined;
  });
  return live;
}
