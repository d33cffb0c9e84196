/**
 * `app.listen()`: one process, or a primary that forks workers (node:cluster) that each run the
 * same entry script and so call `listen()` again, this time serving.
 * @module
 */
import cluster from 'node:cluster';
import { serve } from '../server/serve.ts';
import type { RunningServer, ServableApp } from '../server/types.ts';

/** @internal */
export async function startServer(
  app: ServableApp,
  opts: { host: string; port: number; workers: number },
): Promise<RunningServer | undefined> {
  if (opts.workers > 1 && cluster.isPrimary) {
    const { runWorkers } = await import('../server/cluster.ts');
    await runWorkers(opts.workers, { logger: app.logger, start: async () => undefined, shutdownTimeout: app.config.server.shutdownTimeout });
    return undefined;
  }
  return serve(app, { host: opts.host, port: opts.port });
}
