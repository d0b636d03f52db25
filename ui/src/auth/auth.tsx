// Who is signed in. At start the UI asks GET /api/me: 200 shows the user (auth mode none
// needs no login); 401 shows the login screen. In mode oidc with a client id configured
// (GET /api/auth/config) it offers "Sign in with <issuer host>": the authorization-code
// flow with PKCE (oidc.ts), whose ID token is stored with setToken; a pasted token (a
// line of the token file, or any OIDC token) stays as a fallback. Any later 401 from the
// API (an expired ID token) brings the login back with the server's reason.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useNavigate } from "react-router-dom";
import { ApiError, get, getToken, setToken } from "../api/client";
import { authConfig, finishSignIn, isCallback, SignInError, startSignIn, type AuthConfig, type SignedIn } from "./oidc";
import "../chat/chat.css";
import "./auth.css";

export interface Me {
  user: string;
  kind: string;
  groups: string[];
  admin: boolean;
  auth: "none" | "token" | "oidc";
}

type AuthState = { status: "checking"; note?: string } | { status: "in"; me: Me } | { status: "out"; reason?: string } | { status: "unknown"; reason: string };

const AuthContext = createContext<{ state: AuthState; signOut: () => void }>({ state: { status: "checking" }, signOut: () => undefined });

export function useAuth() {
  return useContext(AuthContext);
}

function reasonOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

// Once per page load: StrictMode runs effects twice in development, and a code is single-use.
let callback: Promise<SignedIn> | null = null;

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: "checking" });

  const check = useCallback(() => {
    get<Me>("/api/me")
      .then((me) => setState({ status: "in", me }))
      .catch((err) => {
        if (err instanceof ApiError && err.status === 401) {
          setState({ status: "out", reason: getToken() ? `The control plane did not accept the stored token: ${err.message}` : undefined });
        } else {
          // An older server without /api/me, or a network problem: let the pages say what fails.
          setState({ status: "unknown", reason: reasonOf(err) });
        }
      });
  }, []);

  // In a ref: useNavigate's function changes with the location, and the start below must
  // run once (re-running it after the callback's navigate would replace its error).
  const navigateNow = useNavigate();
  const navigate = useRef(navigateNow);
  navigate.current = navigateNow;

  useEffect(() => {
    if (isCallback()) {
      setState({ status: "checking", note: "Completing sign-in…" });
      callback ??= finishSignIn();
      callback.then(
        ({ idToken, returnTo }) => {
          navigate.current(returnTo, { replace: true }); // the code and state leave the URL
          setToken(idToken); // fires bosun-auth: /api/me with the ID token
        },
        (err) => {
          navigate.current(err instanceof SignInError ? err.returnTo : "/", { replace: true });
          setState({ status: "out", reason: reasonOf(err) });
        },
      );
    } else {
      check();
    }
    const onAuth = () => check();
    const onUnauthorized = (e: Event) => {
      const err = (e as CustomEvent).detail as ApiError | undefined;
      setState({ status: "out", reason: `Signed out: ${err?.message ?? "the control plane answered 401"}` });
    };
    window.addEventListener("bosun-auth", onAuth);
    window.addEventListener("bosun-unauthorized", onUnauthorized);
    return () => {
      window.removeEventListener("bosun-auth", onAuth);
      window.removeEventListener("bosun-unauthorized", onUnauthorized);
    };
  }, [check]);

  const signOut = useCallback(() => {
    setToken(null); // fires bosun-auth: /api/me then answers 401 and the login shows
  }, []);

  return <AuthContext.Provider value={{ state, signOut }}>{children}</AuthContext.Provider>;
}

/** The pages when signed in (or when auth is off); the login form otherwise. */
export function AuthGate({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  if (state.status === "checking") return <p className="muted">{state.note ?? "Connecting to the control plane…"}</p>;
  if (state.status === "out") return <LoginForm reason={state.reason} />;
  return <>{children}</>;
}

/** The login screen: SSO when configured (with the token form under a disclosure), else the token form. */
export function LoginForm({ reason }: { reason?: string }) {
  const [config, setConfig] = useState<AuthConfig | null | undefined>(undefined);
  const [ssoError, setSsoError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // Without the config (an older server, a network problem) the token form still works.
    authConfig().then(setConfig, () => setConfig(null));
  }, []);

  const login = config?.oidc ?? null;
  if (config === undefined) return <p className="muted">Connecting to the control plane…</p>;

  async function sso() {
    if (!login) return;
    setBusy(true);
    setSsoError(null);
    const here = window.location.pathname === login.redirect_path ? "/" : window.location.pathname + window.location.search;
    try {
      await startSignIn(login, here); // navigates away on success
    } catch (err) {
      setSsoError(`Sign-in failed: ${reasonOf(err)}`);
      setBusy(false);
    }
  }

  let host = login?.issuer ?? "";
  try {
    host = new URL(host).host;
  } catch {
    /* not a URL: show it as it is */
  }

  return (
    <section className="login panel" aria-labelledby="login-title">
      <h1 id="login-title">Sign in to Bosun</h1>
      {reason && (
        <div className="error-banner" role="alert">
          {reason}
        </div>
      )}
      {login ? (
        <>
          <p className="muted">Sign in with your organisation's identity provider. The ID token is kept in this browser only.</p>
          <button type="button" className="primary" onClick={sso} disabled={busy}>
            Sign in with {host}
          </button>
          {ssoError && (
            <div className="error-banner" role="alert">
              {ssoError}
            </div>
          )}
          <details>
            <summary>Use an access token instead</summary>
            <TokenForm />
          </details>
        </>
      ) : (
        <>
          <p className="muted">
            This control plane requires a bearer token: a token from its token file, or an ID token from your OIDC provider. It is kept in this browser only.
          </p>
          <TokenForm autoFocus />
        </>
      )}
    </section>
  );
}

function TokenForm({ autoFocus = false }: { autoFocus?: boolean }) {
  const [token, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch("/api/me", { headers: { Authorization: `Bearer ${token.trim()}` } });
      if (res.ok) {
        setToken(token.trim());
        return;
      }
      const body = await res.json().catch(() => ({}));
      const message = typeof body.message === "string" ? body.message : res.statusText;
      setError(res.status === 401 ? `That token was not accepted (401): ${message}` : res.status === 403 ? `Not allowed (403): ${message}` : `${res.status}: ${message}`);
    } catch (err) {
      setError(`Cannot reach the control plane: ${reasonOf(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="login-token" onSubmit={submit}>
      <div>
        <label htmlFor="login-token">Access token</label>
        <input id="login-token" type="password" autoComplete="current-password" value={token} onChange={(e) => setValue(e.target.value)} required autoFocus={autoFocus} />
      </div>
      {error && (
        <div className="error-banner" role="alert">
          {error}
        </div>
      )}
      <button type="submit" className="primary" disabled={busy || !token.trim()}>
        Sign in
      </button>
    </form>
  );
}

export function UserSlot() {
  const { state, signOut } = useAuth();
  if (state.status !== "in") return null;
  const { me } = state;
  return (
    <div className="user-slot" aria-label="Signed in user">
      <span title={me.groups.length ? `groups: ${me.groups.join(", ")}` : undefined}>
        {me.auth === "none" ? "Local mode: " : "Signed in as "}
        <strong>{me.user}</strong>
        {me.admin && me.auth !== "none" ? " (admin)" : ""}
      </span>
      {me.auth !== "none" && (
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      )}
    </div>
  );
}
