import { describe, expect, it } from 'vitest';
import { applyCliFlags } from '../../src/config/cli-overrides.js';
import { validateConfig } from '../../src/config/validate.js';
import { publication } from '../../src/discovery/znode.js';
import { targetFromZnode } from '../../src/discovery/lookup.js';

const nodes = [{ host: 'livy1', port: 10090 }];
const problems = (raw: Record<string, unknown>) => {
  const { values, problems: flagProblems } = applyCliFlags({ nodes }, raw);
  const v = validateConfig(values);
  return [...flagProblems, ...(v.ok ? [] : v.problems)];
};

describe('discovery.zookeeper configuration', () => {
  it('flags fill the section; defaults as documented', () => {
    const { values } = applyCliFlags({ nodes }, { zkConnect: 'zk1:2181,zk2:2181', zkNamespace: 'routers', advertise: 'router.example.com:10090' });
    const v = validateConfig(values);
    if (!v.ok) throw new Error(v.problems.join('\n'));
    expect(v.config.discovery.zookeeper).toEqual({
      connect: 'zk1:2181,zk2:2181',
      namespace: 'routers',
      advertise: 'router.example.com:10090',
      sessionTimeoutMs: 10000,
      publish: { httpPath: 'cliservice', authentication: 'NONE', ssl: false },
    });
    const off = validateConfig({ nodes });
    expect(off.ok && off.config.discovery.zookeeper).toBeUndefined();
  });

  it('reports every mistake with its path or flag', () => {
    expect(problems({ zkNamespace: 'x' })).toEqual(['--zk-namespace: needs --zk-connect HOST:PORT[,HOST:PORT...] or discovery.zookeeper in the config file']);
    expect(problems({ zkConnect: 'zk1' })).toEqual(['discovery.zookeeper.connect: must be HOST:PORT[,HOST:PORT...] (e.g. zk1:2181,zk2:2181,zk3:2181)']);
    expect(problems({ zkConnect: 'zk1:2181', advertise: 'router' })).toEqual([
      'discovery.zookeeper.advertise: must be HOST:PORT, the address clients connect to (no ; = or /)',
    ]);
    expect(problems({ zkConnect: 'zk1:2181', zkNamespace: '/abs' })[0]).toMatch(/^discovery\.zookeeper\.namespace: must be a znode name/);
    const v = validateConfig({ nodes, discovery: { zookeeper: { connect: 'zk:2181', publish: { principal: 'livy/_HOST@R' }, digest: 'nopassword' } } });
    expect(v.ok ? [] : v.problems).toEqual([
      "discovery.zookeeper.publish.principal: must name the load balancer host, not _HOST: the driver keeps the first server's principal when it retries another",
      'discovery.zookeeper.digest: must be user:password',
    ]);
  });

  it('http mode publishes both port keys and the path; the lookup reads them back as the driver does', () => {
    const v = validateConfig({
      nodes,
      nodeTransport: 'http',
      discovery: { zookeeper: { connect: 'zk:2181', publish: { authentication: 'KERBEROS', principal: 'livy/lb.example.com@EX.COM', ssl: true } } },
    });
    if (!v.ok) throw new Error(v.problems.join('\n'));
    const pub = publication(v.config.discovery.zookeeper!, 'r1.example.com:10091', 'http', '1.2.3');
    expect(pub.prefix).toBe('/livy-router/serverUri=r1.example.com:10091;version=1.2.3;sequence=');
    expect(targetFromZnode('z', pub.data)).toEqual({
      znode: 'z',
      host: 'r1.example.com',
      port: 10091,
      transport: 'http',
      httpPath: 'cliservice',
      ssl: true,
      principal: 'livy/lb.example.com@EX.COM',
    });
    // A pre-2.0 HiveServer2 wrote a bare host:port.
    expect(targetFromZnode('old', 'h:10000')).toMatchObject({ host: 'h', port: 10000, transport: 'binary' });
  });
});
