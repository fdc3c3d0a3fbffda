import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A real single-machine Slurm for tests: tools/slurm/slurm-up.sh in a private
 * directory with its own ports, so several test files (and several test runs)
 * can each have one. Stopped by pid through slurm-down.sh.
 */
export interface TestCluster {
  dir: string;
  /** process.env plus SLURM_CONF: pass it to every Slurm command. */
  env: NodeJS.ProcessEnv;
  partition: string;
  nodes: number;
  /** The job-completion log `sacct -c` reads. */
  jobcompFile: string;
  stop(): Promise<void>;
}

const PACKAGES = ['slurmctld', 'slurmd', 'slurm-client'];

/** The tools/slurm folder of this checkout (found from this file, in src or dist). */
export function slurmToolsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'tools', 'slurm', 'slurm-up.sh'))) return join(dir, 'tools', 'slurm');
    dir = dirname(dir);
  }
  throw new Error('tools/slurm/slurm-up.sh not found above ' + fileURLToPath(import.meta.url));
}

/**
 * Why real-Slurm tests cannot run here, or null when they can. When
 * MIRAGE_REQUIRE_SLURM=1 (CI) a reason is an error instead of a skip.
 */
export function realSlurmSkipReason(): string | null {
  let reason: string | null = null;
  if (process.env.MIRAGE_SLURM_TESTS === '0') reason = 'MIRAGE_SLURM_TESTS=0';
  else if (process.platform !== 'linux') reason = `real-Slurm tests need Linux (this is ${process.platform})`;
  else if (process.getuid?.() !== 0) reason = 'real-Slurm tests need root (slurmd runs jobs as root here); CI runs them as root';
  else {
    const missing = PACKAGES.filter((p) => {
      const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
      return r.status !== 0 || !r.stdout.includes('install ok installed');
    });
    if (missing.length > 0) reason = `Debian packages missing: ${missing.join(' ')} (apt-get install ${PACKAGES.join(' ')}; .ci/run does)`;
  }
  if (reason !== null && process.env.MIRAGE_REQUIRE_SLURM === '1') {
    throw new Error(`MIRAGE_REQUIRE_SLURM=1 but the real-Slurm tests cannot run: ${reason}`);
  }
  if (reason !== null) console.warn(`[real-Slurm tests skipped] ${reason}`);
  return reason;
}

/** Where test clusters live; .ci/run points this at a folder it cleans up. */
export function testClusterRoot(): string {
  return process.env.MIRAGE_SLURM_TEST_ROOT ?? join(tmpdir(), 'mirage-slurm-tests');
}

export async function startTestCluster(name: string, options: { nodes?: number; cpusPerNode?: number } = {}): Promise<TestCluster> {
  const nodes = options.nodes ?? 4;
  const dir = join(testClusterRoot(), `${name}-${process.pid}`);
  const tools = slurmToolsDir();
  const ports = await freePortRange(nodes + 1);
  const env = {
    ...process.env,
    SLURM_TEST_DIR: dir,
    SLURM_TEST_NODES: String(nodes),
    SLURM_TEST_CPUS: String(options.cpusPerNode ?? 2),
    SLURM_TEST_CTLD_PORT: String(ports),
    SLURM_TEST_SLURMD_BASE_PORT: String(ports + 1),
    SLURM_TEST_SMOKE: '0',
    SLURM_TEST_INSTALL: '0',
  };
  const stopSync = (): void => {
    spawnSync('bash', [join(tools, 'slurm-down.sh')], { env, stdio: 'ignore', timeout: 60_000 });
  };
  // A worker that dies without running afterAll still stops its daemons.
  process.once('exit', stopSync);
  try {
    await run('bash', [join(tools, 'slurm-up.sh')], env, 120_000);
  } catch (error) {
    stopSync();
    process.removeListener('exit', stopSync);
    throw error;
  }
  const clusterEnv = parseEnvFile(await readFile(join(dir, 'env.sh'), 'utf8'));
  let stopped = false;
  return {
    dir,
    env: { ...process.env, SLURM_CONF: clusterEnv.SLURM_CONF },
    partition: clusterEnv.SLURM_TEST_PARTITION,
    nodes,
    jobcompFile: clusterEnv.SLURM_TEST_JOBCOMP_FILE,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopSync);
      await run('bash', [join(tools, 'slurm-down.sh')], env, 90_000);
      if (process.env.MIRAGE_SLURM_KEEP !== '1') await rm(dir, { recursive: true, force: true });
    },
  };
}

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export (\w+)=(.*)$/gm)) out[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  return out;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** First port of `count` consecutive free TCP ports (slurmctld, then one per slurmd). */
async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await portIsFree(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free TCP ports found`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}
