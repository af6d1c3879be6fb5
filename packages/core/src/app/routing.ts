import type { RouteTarget, TaskRoutes } from './app-config.js';

/** Resolves Celery-style task_routes: exact name first, then glob patterns in declaration order. */
export function routeFor(routes: TaskRoutes | undefined, taskName: string): RouteTarget | undefined {
  if (!routes) return undefined;
  if (typeof routes === 'function') return routes(taskName);
  const exact = routes[taskName];
  if (exact) return exact;
  for (const [pattern, target] of Object.entries(routes)) {
    if (pattern.includes('*') && globToRegExp(pattern).test(taskName)) return target;
  }
  return undefined;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
