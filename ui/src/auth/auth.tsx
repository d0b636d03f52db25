// Who is signed in. At start the UI asks GET /api/me: 200 shows the user (auth mode none
// needs no login); 401 asks for a token (a static token, or an OIDC ID/access token: the
// API verifies JWTs, it runs no login redirect itself) and stores it with setToken. Any
// later 401 from the API brings the login back with the server's reason.
import { createContext, useCallback, useContext, useEffect, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, get, getToken, setToken } from "../api/client";
import "../chat/chat.css";

export interface Me {
  user: string;
  kind: string;
  groups: string[];
  admin: boolean;
  auth: "none" | "token" | "oidc";
}

type AuthState = { status: "checking" } | { status: "in"; me: Me } | { status: "out"; reason?: string } | { status: "unknown"; reason: string };

const AuthContext = createContext<{ state: AuthState; signOut: () => void }>({ state: { status: "checking" }, signOut: () => undefined });

export function useAuth() {
  return useContext(AuthContext);
}

function reasonOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

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

  useEffect(() => {
    check();
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
  if (state.status === "checking") return <p className="muted">Connecting to the control plane…</p>;
  if (state.status === "out") return <LoginForm reason={state.reason} />;
  return <>{children}</>;
}

export function LoginForm({ reason }: { reason?: string }) {
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
    <form className="login panel" onSubmit={submit} aria-labelledby="login-title">
      <h1 id="login-title">Sign in to Bosun</h1>
      <p className="muted">
        This control plane requires a bearer token: a token from its token file, or an ID token from your OIDC provider. It is kept in this browser only.
      </p>
      {reason && (
        <div className="error-banner" role="alert">
          {reason}
        </div>
      )}
      <div>
        <label htmlFor="login-token">Access token</label>
        <input id="login-token" type="password" autoComplete="current-password" value={token} onChange={(e) => setValue(e.target.value)} required autoFocus />
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
