"""Sign in with Google: OpenID Connect authorization-code flow with PKCE, state bound to the browser."""
