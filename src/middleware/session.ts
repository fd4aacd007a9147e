import connectPgSimple from 'connect-pg-simple';
import type { Express } from 'express';
import session, { type SessionData, type Store } from 'express-session';
import type pg from 'pg';
import type { AppDeps } from '../deps.js';
import type { HistoryPlan } from '../returns/history-import.service.js';
import type { WorkbookPlan } from '../returns/workbook.service.js';

declare module 'express-session' {
  interface SessionData {
    userId: string;
    /** Where to go after signing in (a local path only). */
    returnTo: string;
    /** Epoch milliseconds of sign-in, for the absolute time-out. */
    signedInAt: number;
    /** An invitation link opened in this browser, claimed by the Microsoft sign-in that follows. */
    invitationLinkId: string;
    /** The address an email sign-in link was asked for, shown on the page that follows. */
    emailLinkAddress: string;
    /** A return workbook's upload awaiting confirmation on its preview page (src/returns/workbook.service.ts). */
    returnWorkbookPlan: WorkbookPlan;
    /** A past return's workbook awaiting confirmation (src/returns/history-import.service.ts). */
    historyImportPlan: HistoryPlan;
  }
}

/**
 * A session's expiry is written at most once a minute by each app instance (or once a tenth of the
 * idle time-out, if that is shorter), not on every request: that write was one statement in ten of
 * a busy server's. The idle time-out so ends up to a minute early, never late.
 */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;
// Sessions this instance wrote within the interval; older entries are dropped when it is this full.
const TOUCHED_LIMIT = 10_000;

/** Sessions in PostgreSQL's user_sessions table, pruned by the prune-sessions job. */
export function createSessionStore(pool: pg.Pool, clock: () => Date): Store {
  const now = () => clock().getTime();
  const PgStore = connectPgSimple(session);
  class SessionStore extends PgStore {
    readonly #writtenAt = new Map<string, number>();

    override set(sid: string, data: SessionData, callback?: (error?: unknown) => void): void {
      super.set(sid, data, this.#noteWrite(sid, callback));
    }

    override touch(sid: string, data: SessionData, callback?: (error?: unknown) => void): void {
      const writtenAt = this.#writtenAt.get(sid);
      const interval = Math.min(SESSION_TOUCH_INTERVAL_MS, (data.cookie.originalMaxAge ?? Infinity) / 10);
      if (writtenAt !== undefined && now() - writtenAt < interval) {
        callback?.();
        return;
      }
      super.touch(sid, data, this.#noteWrite(sid, callback));
    }

    override destroy(sid: string, callback?: (error?: unknown) => void): void {
      this.#writtenAt.delete(sid);
      super.destroy(sid, callback);
    }

    /** Records a successful write of the session's expiry, then calls back. */
    #noteWrite(sid: string, callback?: (error?: unknown) => void) {
      const startedAt = now();
      return (error?: unknown) => {
        if (!error) {
          if (this.#writtenAt.size >= TOUCHED_LIMIT) this.#forgetOld();
          this.#writtenAt.set(sid, startedAt);
        }
        callback?.(error);
      };
    }

    #forgetOld(): void {
      const cutOff = now() - SESSION_TOUCH_INTERVAL_MS;
      for (const [sid, writtenAt] of this.#writtenAt) if (writtenAt < cutOff) this.#writtenAt.delete(sid);
      if (this.#writtenAt.size >= TOUCHED_LIMIT) this.#writtenAt.clear();
    }
  }
  return new SessionStore({ pool, tableName: 'user_sessions', pruneSessionInterval: false });
}

/** Sessions live in PostgreSQL so any app instance can serve any request. */
export function setUpSession(app: Express, deps: AppDeps): void {
  const { config } = deps;
  const secure = config.publicBaseUrl.startsWith('https://');
  if (config.trustProxy) app.set('trust proxy', config.trustProxy);
  app.use(
    session({
      name: config.isProduction ? '__Host-tracker.sid' : 'tracker.sid',
      store: deps.sessionStore,
      secret: deps.sessionSecret,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      proxy: Boolean(config.trustProxy),
      cookie: {
        httpOnly: true,
        secure,
        // Entra's form_post is a cross-site POST back to us: the cookie must travel with it (and so be Secure).
        sameSite: config.entra?.responseMode === 'form_post' ? 'none' : 'lax',
        path: '/',
        // Idle time-out: every request pushes the expiry on (rolling); the absolute one is in current-user.
        maxAge: config.session.idleMinutes * 60_000,
      },
    }),
  );
}
