import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { JobService } from '../../jobs/job-service.js';
import { handleJobRoutes, type JobRoutesContext } from '../job-routes.js';

const servers: Server[] = [];

/** Closes the servers `serveJobRoutes` started; call once at the top of a test file. */
export function closeJobRouteServersAfterEach(): void {
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
}

/**
 * The job routes on their own HTTP server on an ephemeral port, over a stand-in job service; a bearer token is
 * taken as the user id. Resolves the server's base URL.
 */
export async function serveJobRoutes(jobs: JobService, ctx: Partial<JobRoutesContext> = {}): Promise<string> {
  const full: JobRoutesContext = {
    jobs,
    authenticate: async (token) => ({ userId: token, roles: [], claims: {} }),
    ...ctx,
  };
  const server = createServer((req, res) => {
    if (!handleJobRoutes(full, req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
