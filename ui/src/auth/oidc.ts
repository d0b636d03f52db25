// "Sign in with SSO": the OpenID Connect authorization-code flow with PKCE (RFC 7636), as a
// public client (no secret), in the browser only. auth.tsx calls startSignIn from the login
// screen and finishSignIn when the provider redirects back to the redirect path; the ID
// token it gets is stored like a pasted token (client.ts setToken) and the API verifies it
// (server/auth/oidc.py). The control plane only tells the public values:
// GET /api/auth/config. No library: discovery, PKCE and one form POST are ~100 lines.

export interface OidcLogin {
  issuer: string;
  client_id: string;
  scopes: string;
  audience: string | null;
  redirect_path: string;
}

export interface AuthConfig {
  auth: "none" | "token" | "oidc";
  oidc: OidcLogin | null;
}

/** What a started sign-in keeps until the provider redirects back (sessionStorage: this tab only). */
interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  tokenEndpoint: string;
  redirectUri: string;
  clientId: string;
  returnTo: string;
}

const PENDING_KEY = "bosun.oidc.pending";
const DEFAULT_REDIRECT = "/auth/callback";

let configPromise: Promise<AuthConfig> | null = null;

/** GET /api/auth/config (no token needed), once per page load. */
export function authConfig(): Promise<AuthConfig> {
  configPromise ??= fetch("/api/auth/config").then(async (res) => {
    if (!res.ok) throw new Error(`GET /api/auth/config: ${res.status} ${res.statusText}`);
    return (await res.json()) as AuthConfig;
  });
  configPromise.catch(() => (configPromise = null)); // retry on the next call
  return configPromise;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function s256(verifier: string): Promise<string> {
  if (!crypto.subtle) throw new Error("the browser offers no crypto.subtle here: serve Bosun over HTTPS (or localhost) for SSO sign-in");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
}

async function discover(issuer: string): Promise<Discovery> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`cannot fetch ${url}: ${describe(err)} (is this origin allowed by the provider's CORS?)`);
  }
  if (!res.ok) throw new Error(`${url} answered ${res.status} ${res.statusText}`);
  const doc = (await res.json().catch(() => ({}))) as Partial<Discovery>;
  if (!doc.authorization_endpoint || !doc.token_endpoint) throw new Error(`${url} names no authorization_endpoint or token_endpoint`);
  // OIDC Discovery §4.3: the document must be the configured issuer's own.
  if (doc.issuer !== undefined && doc.issuer.replace(/\/+$/, "") !== issuer.replace(/\/+$/, "")) {
    throw new Error(`the discovery document is for issuer ${doc.issuer}, not ${issuer}`);
  }
  return doc as Discovery;
}

/** Sends the browser to the provider's login; `returnTo` is where it lands after it. */
export async function startSignIn(login: OidcLogin, returnTo: string): Promise<void> {
  let doc: Discovery;
  try {
    doc = await discover(login.issuer);
  } catch (err) {
    throw new Error(`Discovery failed: ${describe(err)}`);
  }
  const verifier = randomString();
  const pending: Pending = {
    state: randomString(),
    nonce: randomString(),
    verifier,
    tokenEndpoint: doc.token_endpoint,
    redirectUri: `${window.location.origin}${login.redirect_path}`,
    clientId: login.client_id,
    returnTo,
  };
  const url = new URL(doc.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", login.client_id);
  url.searchParams.set("redirect_uri", pending.redirectUri);
  url.searchParams.set("scope", login.scopes);
  url.searchParams.set("state", pending.state);
  url.searchParams.set("nonce", pending.nonce);
  url.searchParams.set("code_challenge", await s256(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  window.location.assign(url.toString());
}

function readPending(): Pending | null {
  try {
    const raw = sessionStorage.getItem(PENDING_KEY);
    return raw ? (JSON.parse(raw) as Pending) : null;
  } catch {
    return null;
  }
}

/** Is this page load the provider's redirect back (code or error in the query)? */
export function isCallback(location: Location = window.location): boolean {
  const pending = readPending();
  const path = pending ? new URL(pending.redirectUri).pathname : DEFAULT_REDIRECT;
  if (location.pathname !== path) return false;
  const q = new URLSearchParams(location.search);
  return q.has("code") || q.has("error");
}

function nonceOf(idToken: string): unknown {
  try {
    const part = idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return (JSON.parse(atob(part)) as { nonce?: unknown }).nonce;
  } catch {
    return undefined;
  }
}

export interface SignedIn {
  idToken: string;
  returnTo: string;
}

/** Error of a failed callback, with where the user wanted to go (so the URL is cleaned). */
export class SignInError extends Error {
  readonly returnTo: string;
  constructor(message: string, returnTo: string) {
    super(message);
    this.returnTo = returnTo;
  }
}

/** The redirect back: checks state, trades code + verifier for tokens, returns the ID token. */
export async function finishSignIn(location: Location = window.location): Promise<SignedIn> {
  const q = new URLSearchParams(location.search);
  const pending = readPending();
  sessionStorage.removeItem(PENDING_KEY); // one use: a reload of the callback cannot replay it
  const returnTo = pending?.returnTo ?? "/";
  const fail = (message: string) => new SignInError(`Sign-in failed: ${message}`, returnTo);
  const error = q.get("error");
  if (error) {
    const description = q.get("error_description");
    throw fail(`the identity provider answered ${error}${description ? `: ${description}` : ""}`);
  }
  if (!pending) throw fail("no sign-in was started in this tab (state mismatch); try again");
  if (q.get("state") !== pending.state) throw fail("state mismatch: the answer is not for the sign-in this tab started; try again");
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: q.get("code") ?? "",
    redirect_uri: pending.redirectUri,
    client_id: pending.clientId,
    code_verifier: pending.verifier,
  });
  let res: Response;
  try {
    res = await fetch(pending.tokenEndpoint, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
  } catch (err) {
    throw fail(`cannot reach the token endpoint ${pending.tokenEndpoint}: ${describe(err)} (is ${window.location.origin} a web origin of the client?)`);
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const reason = [answer.error, answer.error_description].filter((s) => typeof s === "string").join(": ");
    throw fail(`the token endpoint answered ${res.status}${reason ? ` (${reason})` : ""}`);
  }
  const idToken = answer.id_token;
  if (typeof idToken !== "string" || !idToken) throw fail("the token endpoint returned no id_token (is the openid scope granted?)");
  // The signature, iss, aud and exp are the API's to check; the nonce only this tab knows.
  if (nonceOf(idToken) !== pending.nonce) throw fail("the ID token's nonce is not this sign-in's");
  return { idToken, returnTo };
}
