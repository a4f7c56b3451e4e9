/**
 * schema.d.ts is generated from openapi.json (`npm run gen:api`; `make api-client` also re-exports
 * openapi.json from the services). Regenerate it here, in memory, with the same options: a service change
 * that was exported but not regenerated fails this test instead of drifting silently.
 */
import openapiTS, { COMMENT_HEADER, astToString, type OpenAPI3 } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import openapiText from '../../openapi.json?raw';
import committed from './schema.d.ts?raw';

describe('schema.d.ts', () => {
  it('is up to date with openapi.json (else: make api-client)', async () => {
    const document = JSON.parse(openapiText) as OpenAPI3;
    // The gen:api script in package.json uses the default options too.
    const fresh = COMMENT_HEADER + astToString(await openapiTS(document, { silent: true }));
    expect(committed === fresh, 'src/api/schema.d.ts is stale: run `make api-client` (or `npm run gen:api`)').toBe(
      true,
    );
  }, 30_000);
});
