/**
 * Leaving the SPA for another site (an ad platform's OAuth consent screen). One indirection so tests can
 * observe the navigation: jsdom's `window.location.assign` cannot be spied on.
 */
export const externalNavigation = {
  assign(url: string): void {
    window.location.assign(url);
  },
};
