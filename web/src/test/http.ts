/** Helpers to build fetch Responses in unit tests. */

export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    ...init,
    headers: { 'Content-Type': 'application/json', ...init.headers },
  });
}

export function problemResponse(
  problem: { type?: string; title?: string; status: number; detail?: string },
  init: ResponseInit = {},
): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    ...init,
    headers: { 'Content-Type': 'application/problem+json', ...init.headers },
  });
}
