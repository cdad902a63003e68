/** The models list: name-prefix search, tag and state filters, paged as the API pages. */
import type { ModelSummary } from '../../../shared/domain/types.js';
import { apiPath, type Page, pageQuery } from '../api.js';
import { Badge, ErrorBox, Field, Loading, Pager } from '../components.js';
import { useApi } from '../data.js';
import { relative } from '../format.js';
import { href, type Location, navigate, withQuery } from '../router.js';

export const MODELS_PAGE_SIZE = 50;

/** The API's filter from the page's query: `name^=p and tags.k=v and state=S`. */
export function modelFilter(query: URLSearchParams): string {
  const clauses: string[] = [];
  const prefix = query.get('q')?.trim();
  const tag = query.get('tag')?.trim();
  const state = query.get('state');
  if (prefix) clauses.push(`name^=${prefix}`);
  if (tag) {
    const [k, ...v] = tag.split('=');
    clauses.push(`tags.${k?.trim()}=${v.join('=').trim()}`);
  }
  if (state === 'LIVE' || state === 'ARCHIVED') clauses.push(`state=${state}`);
  return clauses.join(' and ');
}

function Filters({ query }: { query: URLSearchParams }) {
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim();
    navigate(withQuery('/ui/models', { q: value('q'), tag: value('tag'), state: value('state') }));
  };
  return (
    <form class="filters" aria-label="Filter models" onSubmit={submit}>
      <Field label="Name starts with">
        {(id) => (
          <input
            id={id}
            name="q"
            type="search"
            defaultValue={query.get('q') ?? ''}
            placeholder="fraud"
            autoComplete="off"
          />
        )}
      </Field>
      <Field label="Tag">
        {(id) => (
          <input id={id} name="tag" defaultValue={query.get('tag') ?? ''} placeholder="team=risk" autoComplete="off" />
        )}
      </Field>
      <Field label="State">
        {(id) => (
          <select id={id} name="state" defaultValue={query.get('state') ?? ''}>
            <option value="">Any</option>
            <option value="LIVE">Live</option>
            <option value="ARCHIVED">Archived</option>
          </select>
        )}
      </Field>
      <button type="submit">Search</button>
    </form>
  );
}

function AliasList({ aliases }: { aliases: Record<string, number> }) {
  const entries = Object.entries(aliases);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="chips">
      {entries.map(([alias, version]) => (
        <li key={alias} class="chip">
          <span class="chip-key">{alias}</span>
          <span class="chip-value">v{version}</span>
        </li>
      ))}
    </ul>
  );
}

export function ModelsPage({ loc }: { loc: Location }) {
  const filter = modelFilter(loc.query);
  const path = `${apiPath('models')}${pageQuery({ pageSize: MODELS_PAGE_SIZE, pageToken: loc.query.get('page'), filter })}`;
  const page = useApi<Page<ModelSummary>>(path);
  return (
    <>
      <div class="page-head">
        <h1>Models</h1>
      </div>
      <Filters query={loc.query} />
      <ErrorBox error={page.error} />
      {page.loading && !page.data && <Loading what="models" />}
      {page.data && (
        <>
          <table class="list" aria-busy={page.loading}>
            <caption class="sr-only">Models{filter ? ` matching ${filter}` : ''}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Latest</th>
                <th scope="col">Aliases</th>
                <th scope="col">Owner</th>
                <th scope="col">State</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((m) => (
                <tr key={m.name}>
                  <td>
                    <a class="strong" href={href('models', m.name)}>
                      {m.name}
                    </a>
                    {m.description && <div class="sub">{m.description}</div>}
                  </td>
                  <td>
                    {m.latestVersion > 0 ? (
                      <a href={href('models', m.name, 'versions', m.latestVersion)}>v{m.latestVersion}</a>
                    ) : (
                      <span class="muted">none</span>
                    )}
                  </td>
                  <td>
                    <AliasList aliases={m.aliases} />
                  </td>
                  <td>{m.owner}</td>
                  <td>
                    <Badge value={m.state} />
                  </td>
                  <td title={m.updatedAt}>{relative(m.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.data.items.length === 0 && <p class="empty">No models{filter ? ' match these filters' : ' yet'}.</p>}
          <Pager path="/ui/models" query={loc.query} next={page.data.nextPageToken} state={loc.state} />
        </>
      )}
    </>
  );
}
