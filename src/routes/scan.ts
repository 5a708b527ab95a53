/**
 * Finds HTTP route registrations in JavaScript or TypeScript source, for the "▶ Profile endpoint"
 * CodeLens: `fastify.get('/x', …)`, `app.post("/y", …)`, `router.get(…)`, and
 * `fastify.route({ method: 'GET', url: '/x', … })`. A scan of the text, not a parse: it is run
 * on every open editor, and must never throw. Receivers are limited to the names servers and
 * routers are given (so that `axios.get('/x')` or `map.get('/x')` is not taken for a route).
 */

export interface RouteRegistration {
  method: string;
  /** As written, with its parameters (`/clients/:id`). */
  path: string;
  /** 0-based line and column of the registration's receiver. */
  line: number;
  character: number;
}

const VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'all'];
const METHOD_NAMES = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** `fastify`, `app`, `router`, `server`, `api`, and names that end so (`adminRouter`, `userApp`). */
const RECEIVER =
  /^(?:fastify|app|application|router|routes?|server|srv|api|instance|[a-z][A-Za-z0-9]*(?:Router|App|Server|Api|Routes))$/;

const SHORTHAND = new RegExp(
  `([A-Za-z_$][\\w$]*)\\s*\\.\\s*(${VERBS.join('|')})\\s*\\(\\s*(['"\`])(\\/[^'"\`\\n]*)\\3`,
  'g',
);
const ROUTE_CALL = /([A-Za-z_$][\w$]*)\s*\.\s*route\s*\(\s*\{/g;
/** How far into a `route({ … })` object its method and url are looked for. */
const ROUTE_OBJECT_SPAN = 600;

export function findRoutes(text: string): RouteRegistration[] {
  const found: RouteRegistration[] = [];
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const position = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - lineStarts[lo] };
  };

  for (const match of text.matchAll(SHORTHAND)) {
    const [, receiver, verb, , path] = match;
    if (!RECEIVER.test(receiver) || match.index === undefined) continue;
    const method = verb === 'all' ? 'GET' : verb.toUpperCase();
    found.push({ method, path, ...position(match.index) });
  }
  for (const match of text.matchAll(ROUTE_CALL)) {
    if (!RECEIVER.test(match[1]) || match.index === undefined) continue;
    const body = objectText(text, match.index + match[0].length - 1);
    const url = /\b(?:url|path)\s*:\s*(['"`])(\/[^'"`\n]*)\1/.exec(body)?.[2];
    const methodValue = /\bmethod\s*:\s*(\[[^\]]*\]|(['"`])[A-Za-z]+\2)/.exec(body)?.[1];
    if (!url || !methodValue) continue;
    const methods = [...methodValue.matchAll(/['"`]([A-Za-z]+)['"`]/g)]
      .map((m) => m[1].toUpperCase())
      .filter((m) => METHOD_NAMES.has(m));
    const method = methods.includes('GET') ? 'GET' : methods[0];
    if (method) found.push({ method, path: url, ...position(match.index) });
  }
  return found.sort((a, b) => a.line - b.line || a.character - b.character);
}

/** The text of the object literal that opens at `open`, up to its closing brace (or a limit). */
function objectText(text: string, open: number): string {
  let depth = 0;
  const end = Math.min(text.length, open + ROUTE_OBJECT_SPAN);
  for (let i = open; i < end; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open, end);
}

/** Whether a route path has parameters or wildcards that need a concrete value to be requested. */
export function hasParameters(path: string): boolean {
  return /[:*]|\{[^}]*\}/.test(path);
}
