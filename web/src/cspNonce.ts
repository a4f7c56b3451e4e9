import { setNonce } from 'get-nonce';

/**
 * The gateway serves index.html with a fresh CSP nonce in `<meta name="csp-nonce">` and allows only
 * `<style>` elements carrying it. Radix dialogs add one (react-remove-scroll, via get-nonce) to lock page
 * scrolling; without the nonce the browser blocks it. The dev server leaves the placeholder (and sends no CSP).
 */
export function adoptCspNonce(doc: Document = document): string | undefined {
  const nonce = doc.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;
  if (!nonce || nonce === '__CSP_NONCE__') return undefined;
  setNonce(nonce);
  return nonce;
}
