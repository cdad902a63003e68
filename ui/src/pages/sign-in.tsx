/** Sign-in as each runtime does it; shown whenever the API answers 401, so never a blank page. */
import { useEffect, useState } from 'preact/hooks';
import type { SignInRequired } from '../api.js';
import { appServiceLogin, finishOidcSignIn, here, saveToken, startOidcSignIn } from '../auth.js';
import { ErrorBox, Field, Loading } from '../components.js';
import type { AuthConfig } from '../config.js';
import { navigate } from '../router.js';

export function SignInPage({
  auth,
  reason,
  onSignedIn,
}: {
  auth: AuthConfig;
  reason: SignInRequired;
  onSignedIn: () => void;
}) {
  const [error, setError] = useState<Error>();
  useEffect(() => {
    if (auth.kind === 'appservice') appServiceLogin(auth);
  }, [auth]);
  return (
    <section class="sign-in card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p>{reason.message}</p>
      <ErrorBox error={error} />
      {auth.kind === 'token' && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const token = String(new FormData(event.currentTarget as HTMLFormElement).get('token') ?? '').trim();
            if (!token) return;
            saveToken(token);
            onSignedIn();
          }}
        >
          <Field
            label={
              <>
                Registry token (the server's <code>MREG_TOKEN</code>)
              </>
            }
          >
            {(id) => <input id={id} name="token" type="password" required autoComplete="current-password" />}
          </Field>
          <button type="submit">Sign in</button>
        </form>
      )}
      {auth.kind === 'oidc' && (
        <button type="button" onClick={() => startOidcSignIn(auth, here()).catch((e: Error) => setError(e))}>
          Sign in with {new URL(auth.issuer).host}
        </button>
      )}
      {auth.kind === 'appservice' && (
        <p>
          Taking you to <a href={`${auth.loginPath}?post_login_redirect_uri=${encodeURIComponent(here())}`}>sign-in</a>…
        </p>
      )}
    </section>
  );
}

/** `/ui/callback`: the identity provider sent the browser back with a code. */
export function CallbackPage({ auth, query }: { auth: AuthConfig; query: URLSearchParams }) {
  const [error, setError] = useState<Error>();
  useEffect(() => {
    if (auth.kind !== 'oidc') {
      setError(new Error('This registry does not sign in through an OpenID Connect provider.'));
      return;
    }
    finishOidcSignIn(auth, query).then((to) => navigate(to, { replace: true }), setError);
  }, []);
  return (
    <section class="sign-in card" aria-labelledby="callback-title">
      <h1 id="callback-title">Signing in</h1>
      {error ? (
        <>
          <ErrorBox error={error} />
          <p>
            <a href="/ui/">Back to the registry</a>
          </p>
        </>
      ) : (
        <Loading what="your session" />
      )}
    </section>
  );
}
