/**
 * A tiny router for the fake APIs: `:name` matches one path segment (still URL-encoded on the
 * wire, decoded here, so GitLab's `group%2Fproject` ids arrive as `group/project`), `:name(*)`
 * matches the rest of the path. Handlers return a response object or throw HttpError.
 */
import type { IncomingHttpHeaders } from "node:http";

export interface ApiRequest {
  method: string;
  /** Path below the API prefix, still encoded, e.g. `/repos/octo/hello`. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON (or form) body; `{}` when there is none. */
  body: Record<string, unknown>;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

/** Thrown by handlers to answer with an error status and the service's error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

function compile(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern
    .split("/")
    .map((segment) => {
      const param = /^:(\w+)(\(\*\))?$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(param[1]!);
      return param[2] ? "(.+)" : "([^/]+)";
    })
    .join("/");
  return { regex: new RegExp(`^${source}/?$`), names };
}

export class Router {
  readonly #routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.#routes.push({ method, ...compile(pattern), handler });
    return this;
  }

  /** The handler for a request, "method" when only the method is wrong, or undefined. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | "method" | undefined {
    let pathMatched = false;
    for (const route of this.#routes) {
      const found = route.regex.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(found[i + 1]!)));
      return { handler: route.handler, params };
    }
    return pathMatched ? "method" : undefined;
  }
}

/**
 * One page of a list, with the `Link` header both services send (Octokit's paginate and
 * gitbeaker's `all()` follow it). GitLab also sends `x-total` / `x-page` headers.
 */
export function paginate<T>(
  req: ApiRequest,
  items: T[],
  { baseUrl, defaultPerPage, gitlab = false }: { baseUrl: string; defaultPerPage: number; gitlab?: boolean },
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(req.query.get("per_page")) || defaultPerPage, 1), 100);
  const pageNumber = Math.max(Number(req.query.get("page")) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (page: number, rel: string) => {
    const query = new URLSearchParams(req.query);
    query.set("page", String(page));
    query.set("per_page", String(perPage));
    return `<${baseUrl}${req.path}?${query}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNumber > 1) links.push(link(1, "first"), link(pageNumber - 1, "prev"));
  if (pageNumber < last) links.push(link(pageNumber + 1, "next"), link(last, "last"));
  const headers: Record<string, string> = links.length ? { link: links.join(", ") } : {};
  if (gitlab) {
    Object.assign(headers, {
      "x-total": String(items.length),
      "x-total-pages": String(last),
      "x-per-page": String(perPage),
      "x-page": String(pageNumber),
      "x-next-page": pageNumber < last ? String(pageNumber + 1) : "",
      "x-prev-page": pageNumber > 1 ? String(pageNumber - 1) : "",
    });
  }
  return { page: items.slice((pageNumber - 1) * perPage, pageNumber * perPage), headers };
}
