import { getNonce } from 'get-nonce';
import { describe, expect, it } from 'vitest';
import { adoptCspNonce } from './cspNonce';

function documentWith(meta: string): Document {
  return new DOMParser().parseFromString(`<html><head>${meta}</head><body></body></html>`, 'text/html');
}

describe('adoptCspNonce', () => {
  it('hands the nonce of the served page to the libraries that add <style> elements', () => {
    expect(adoptCspNonce(documentWith('<meta name="csp-nonce" content="r4nd0m">'))).toBe('r4nd0m');
    expect(getNonce()).toBe('r4nd0m');
  });

  it('ignores the unreplaced placeholder of the dev server and a missing tag', () => {
    expect(adoptCspNonce(documentWith('<meta name="csp-nonce" content="__CSP_NONCE__">'))).toBeUndefined();
    expect(adoptCspNonce(documentWith(''))).toBeUndefined();
  });
});
