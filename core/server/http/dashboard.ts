/**
 * `GET /dashboard`: a page that shows every queue at a glance and refreshes itself every second
 * from `GET /v1/overview` (dashboard-page.ts). Read-only: it changes nothing on the broker.
 */
import type { FastifyPluginAsync } from 'fastify';
import { DASHBOARD_HTML, DASHBOARD_JS } from './dashboard-page.js';

// The page loads only its own script; it embeds nothing from elsewhere.
const CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  app.get('/dashboard', async (_request, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(DASHBOARD_HTML));
  app.get('/dashboard/app.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(DASHBOARD_JS));
};
