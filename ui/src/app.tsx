/** The shell: header and navigation, the page for the URL, sign-in when the API asks for it. */
import { Component, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type SignInRequired, whenSignInRequired } from './api.js';
import { ErrorBox } from './components.js';
import type { UiConfig } from './config.js';
import { ModelPage } from './pages/model.js';
import { ModelsPage } from './pages/models.js';
import { ComparePage, ExperimentPage, ExperimentsPage, RunPage } from './pages/runs.js';
import { CallbackPage, SignInPage } from './pages/sign-in.js';
import { VersionPage } from './pages/version.js';
import { type Location, parseRoute, useLocation } from './router.js';

/** A page that throws shows what went wrong instead of going blank. */
class Boundary extends Component<{ children: ComponentChildren; resetKey: string }, { error?: Error }> {
  override state: { error?: Error } = {};
  override componentDidCatch(error: Error) {
    this.setState({ error });
  }
  override componentDidUpdate(previous: { resetKey: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }
  override render() {
    return this.state.error ? <ErrorBox error={this.state.error} /> : this.props.children;
  }
}

function Page({ loc, config }: { loc: Location; config: UiConfig }) {
  const route = parseRoute(loc.path);
  switch (route.page) {
    case 'models':
      return <ModelsPage loc={loc} />;
    case 'model':
      return <ModelPage key={route.model} name={route.model} loc={loc} />;
    case 'version':
      return <VersionPage key={`${route.model}/${route.ref}`} model={route.model} ref={route.ref} />;
    case 'experiments':
      return <ExperimentsPage loc={loc} />;
    case 'experiment':
      return <ExperimentPage key={route.id} id={route.id} loc={loc} />;
    case 'compare':
      return <ComparePage id={route.id} loc={loc} />;
    case 'run':
      return <RunPage key={route.id} id={route.id} loc={loc} />;
    case 'callback':
      return <CallbackPage auth={config.auth} query={loc.query} />;
    default:
      return (
        <div class="empty">
          <h1>Not found</h1>
          <p>
            Nothing lives at this address. <a href="/ui/">Go to the models</a>.
          </p>
        </div>
      );
  }
}

const SECTIONS: [string, string, (page: string) => boolean][] = [
  ['/ui/models', 'Models', (p) => ['models', 'model', 'version'].includes(p)],
  ['/ui/experiments', 'Experiments', (p) => ['experiments', 'experiment', 'compare', 'run'].includes(p)],
];

export function App({ config }: { config: UiConfig }) {
  const loc = useLocation();
  const [signIn, setSignIn] = useState<SignInRequired>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => whenSignInRequired((e) => setSignIn((current) => current ?? e)), []);
  const page = parseRoute(loc.path).page;
  useEffect(() => {
    document.title = `${page === 'not-found' ? 'Not found' : page.charAt(0).toUpperCase() + page.slice(1)} · mreg`;
  }, [page]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/ui/">
          mreg
        </a>
        <nav aria-label="Main">
          {SECTIONS.map(([to, label, active]) => (
            <a
              key={to}
              href={to}
              class={active(page) ? 'active' : undefined}
              aria-current={active(page) ? 'page' : undefined}
            >
              {label}
            </a>
          ))}
          {config.runtime === 'local' && (
            <a href="/docs" rel="external">
              API
            </a>
          )}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {signIn && page !== 'callback' ? (
          <SignInPage
            auth={config.auth}
            reason={signIn}
            onSignedIn={() => {
              setSignIn(undefined);
              setAttempt((n) => n + 1);
            }}
          />
        ) : (
          <Boundary resetKey={`${loc.path}?${loc.query}`}>
            <Page key={attempt} loc={loc} config={config} />
          </Boundary>
        )}
      </main>
    </>
  );
}
