import { actionRoutes } from './actions/actions.routes.js';
import express from 'express';
import { accessibilityRoutes } from './accessibility/accessibility.routes.js';
import { contractRoutes } from './contracts/contracts.routes.js';
import { setUpCurrentUser } from './auth/current-user.middleware.js';
import { emailSignInRoutes } from './auth/email-sign-in.routes.js';
import { entraRoutes } from './auth/entra/entra.routes.js';
import { invitationRoutes } from './auth/invitation.routes.js';
import { setUpAuth } from './auth/passport.js';
import { signInRoutes } from './auth/local-sign-in.routes.js';
import type { AppDeps } from './deps.js';
import { evidenceRoutes } from './evidence/evidence.routes.js';
import { exportsRoutes } from './exports/exports.routes.js';
import { healthRoutes } from './health/health.routes.js';
import { importRoutes } from './imports/imports.routes.js';
import { heatmapRoutes } from './heatmap/heatmap.routes.js';
import { homeRoutes } from './home/home.routes.js';
import { setUpCsrf } from './middleware/csrf.js';
import { setUpErrorHandler, setUpNotFound } from './middleware/errors.js';
import { setUpFormParsing } from './middleware/form-parsing.js';
import { setUpNoStoreWhenSignedIn, setUpOptions } from './middleware/http-edges.js';
import { setUpRequestId } from './middleware/request-id.js';
import { setUpSecurityHeaders } from './middleware/security-headers.js';
import { setUpSession } from './middleware/session.js';
import { NHSUK_FRONTEND_VERSION, setUpStatic } from './middleware/static.js';
import { extensionRoutes } from './returns/extension.routes.js';
import { gradingRoutes } from './returns/grading.routes.js';
import { servicesRoutes } from './returns/services.routes.js';
import { edsReportRoutes } from './eds-report/eds-report.routes.js';
import { periodRoutes } from './periods/periods.routes.js';
import { pathTo, paths, withService } from './paths.js';
import { peopleRoutes } from './people/people.routes.js';
import { providerRoutes } from './providers/providers.routes.js';
import { mailboxRoutes } from './mail/mailbox.routes.js';
import { matrixRoutes } from './matrix/matrix.routes.js';
import { outboxRoutes } from './reminders/outbox.routes.js';
import { setUpRateLimits } from './rate-limit/rate-limit.middleware.js';
import { trendsRoutes } from './trends/trends.routes.js';
import { VIEWS_DIR } from './project-root.js';
import { returnsRoutes } from './returns/returns.routes.js';
import { historyImportRoutes } from './returns/history-import.routes.js';
import { workbookRoutes } from './returns/workbook.routes.js';
import { reviewRoutes } from './review/review.routes.js';
import { userRoutes } from './users/users.routes.js';
import { viewFormat } from './view-format.js';
import { SERVICE_NAME } from './view-locals.js';
import { publicationRoutes } from './obligations/publications.routes.js';
import { workforceTrendsRoutes } from './workforce/trends.routes.js';
import { workforceRoutes } from './workforce/workforce.routes.js';

/** EJS views from views/, with the locals every page uses (paths, the service's name, the NHS.UK version). */
export function setUpViews(app: express.Express, cacheCompiled: boolean): void {
  app.set('view engine', 'ejs');
  app.set('views', VIEWS_DIR);
  if (cacheCompiled) app.enable('view cache');
  app.locals.paths = paths;
  app.locals.pathTo = pathTo;
  app.locals.withService = withService;
  app.locals.serviceName = SERVICE_NAME;
  app.locals.nhsukVersion = NHSUK_FRONTEND_VERSION;
  app.locals.format = viewFormat;
}

/** Builds a new app on every call; the order below is the order every request meets. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Every page carries a fresh CSP nonce, so an ETag over it never matches: hashing each body (1.8 MB
  // for the national matrix) would be wasted. Static assets keep theirs (express.static sets its own).
  app.set('etag', false);
  // Express caches compiled views only when NODE_ENV=production; tests and the load test render as
  // production does. Development keeps reading templates afresh so edits show without a restart.
  setUpViews(app, deps.config.env !== 'development');

  setUpRequestId(app, deps.logger);
  // Security headers first, so every response has them, health probes included (they set no cookie).
  setUpSecurityHeaders(app, deps.config);
  // The same answer to OPTIONS for every path, so it lists no routes.
  setUpOptions(app);
  app.use(healthRoutes(deps.prisma, deps.scanner));
  setUpStatic(app);
  setUpSession(app, deps);
  setUpFormParsing(app);
  const authenticator = setUpAuth(app, deps);
  setUpCsrf(app);
  setUpCurrentUser(app, deps);
  setUpNoStoreWhenSignedIn(app);
  setUpRateLimits(app, deps);

  app.use(entraRoutes(deps, authenticator));
  app.use(signInRoutes(deps));
  app.use(emailSignInRoutes(deps));
  app.use(invitationRoutes(deps));
  app.use(accessibilityRoutes(deps.config));
  app.use(homeRoutes(deps));
  app.use(matrixRoutes(deps));
  app.use(evidenceRoutes(deps));
  app.use(reviewRoutes(deps));
  app.use(providerRoutes(deps));
  app.use(importRoutes(deps));
  app.use(contractRoutes(deps));
  app.use(periodRoutes(deps));
  app.use(extensionRoutes(deps));
  app.use(gradingRoutes(deps));
  app.use(servicesRoutes(deps));
  app.use(edsReportRoutes(deps));
  app.use(actionRoutes(deps));
  app.use(returnsRoutes(deps));
  app.use(workbookRoutes(deps));
  app.use(historyImportRoutes(deps));
  app.use(outboxRoutes(deps));
  // The local mailbox exists only outside production.
  if (!deps.config.isProduction) app.use(mailboxRoutes(deps));
  app.use(userRoutes(deps));
  app.use(peopleRoutes(deps));
  app.use(heatmapRoutes(deps));
  app.use(trendsRoutes(deps));
  app.use(exportsRoutes(deps));
  app.use(publicationRoutes(deps));
  app.use(workforceRoutes(deps));
  app.use(workforceTrendsRoutes(deps));

  setUpNotFound(app);
  setUpErrorHandler(app, deps);
  return app;
}
