/**
 * Phial with every default on (production env, security headers, CSP nonce). It runs the package
 * built into dist/, or the build named by `BENCH_PHIAL_PACKAGE` (an A/B run's other git ref).
 */
import { HOST, announceReady, benchPort } from '../lib/contract.ts';
import { startCpuProfileFromEnv } from '../lib/cpu-profile.ts';
import { loadPhial } from '../lib/phial-package.ts';
import { benchApp } from '../lib/phial-app.ts';

startCpuProfileFromEnv();
const port = benchPort();
const app = benchApp(await loadPhial());
await app.listen({ host: HOST, port });
announceReady(port);
