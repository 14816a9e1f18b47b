// The reference travel domain: quotes and bookings, and the OpenAPI document that describes them.
// The route catalogue is installed first so it sees every route registered after it (the API's routes
// are registered after the domain's, see app.ts), and the document is built from those routes' schemas.
import type { AppDeps } from '../deps.ts';
import { RouteCatalogue } from '../openapi/catalogue.ts';
import { openApiRoutes } from '../openapi/routes.ts';
import type { RouteRegistrar } from '../server.ts';
import { bookingRoutes } from './bookings/routes.ts';
import { quoteRoutes } from './quotes/routes.ts';

export function domainRoutes(deps: AppDeps): RouteRegistrar {
  return (app) => {
    const catalogue = new RouteCatalogue();
    app.addHook('onRoute', catalogue.record);
    openApiRoutes(catalogue, deps.now)(app);
    quoteRoutes(deps)(app);
    bookingRoutes(deps)(app);
  };
}
