import type { Express } from 'express';

// The routes of a built app, read from its own router (Express 5), so tests that must cover every
// route (access rules, CSRF, form fuzzing) cannot silently miss one added later.

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  slash?: boolean;
  rawPath?: unknown;
  name?: string;
}

/** "METHOD /path" of every route, walking nested routers; refuses what it cannot name. */
export function routesOf(app: Express): string[] {
  const found = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const routePaths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const routePath of routePaths) {
          if (typeof routePath !== 'string')
            throw new Error(`A route with a non-string path under ${prefix}`);
          for (const [method, enabled] of Object.entries(layer.route.methods)) {
            if (enabled)
              found.add(`${method === '_all' ? 'ALL' : method.toUpperCase()} ${prefix}${routePath}`);
          }
        }
      } else if (layer.handle?.stack) {
        if (!layer.slash && typeof layer.rawPath !== 'string') {
          throw new Error(`A router mounted at a path the test cannot read (${String(layer.rawPath)})`);
        }
        walk(layer.handle.stack, layer.slash ? prefix : `${prefix}${String(layer.rawPath)}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...found].sort();
}
