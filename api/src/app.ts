import express from 'express';
import type { AppDeps } from './deps';
import { ApiProblem } from './http/problem';
import { mountRoutes, problemHandler } from './http/mount';
import type { AnyRoute } from './http/route';
import { buildOpenApi } from './openapi';
import { alertRoutes } from './routes/alerts';
import { authRoutes } from './routes/auth';
import { dataRoutes } from './routes/data';
import { homeRoutes } from './routes/homes';
import { optimizeRoutes } from './routes/optimize';
import { overrideRoutes } from './routes/overrides';
import { paretoRoutes } from './routes/pareto';
import { accuracyRoutes } from './routes/accuracy';
import { predictRoutes } from './routes/predict';
import { reportRoutes } from './routes/reports';
import { systemRoutes } from './routes/system';

export const API_VERSION = '0.1.0';

export interface ApiApp {
  app: express.Express;
  routes: readonly AnyRoute[];
  openapi: ReturnType<typeof buildOpenApi>;
}

/** The Express app with every route, the OpenAPI document built from the same route list, and problem errors. */
export function createApp(deps: AppDeps): ApiApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const holder: { doc?: ReturnType<typeof buildOpenApi> } = {};
  const routes: AnyRoute[] = [];
  routes.push(
    ...systemRoutes(deps, () => holder.doc),
    ...authRoutes(deps),
    ...dataRoutes(deps),
    ...predictRoutes(deps),
    ...accuracyRoutes(deps),
    ...optimizeRoutes(deps),
    ...overrideRoutes(deps),
    ...paretoRoutes(deps),
    ...homeRoutes(deps),
    ...reportRoutes(deps),
    ...alertRoutes(deps),
  );
  const doc = buildOpenApi(routes, {
    version: API_VERSION,
    serverUrl: deps.settings.publicUrl,
    requiredAcr: deps.settings.requiredAcr,
  });
  holder.doc = doc;
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  mountRoutes(app, routes, deps);
  app.use((req, _res, next) => next(new ApiProblem('not_found', `no route ${req.method} ${req.path}`)));
  app.use(problemHandler(deps));
  return { app, routes, openapi: doc };
}
