/** One model: its facts, tags and properties; versions (paged, newest first), aliases, history. */
import type { AliasMove, HistoryEntry, Model, ModelVersion } from '../../../shared/domain/types.js';
import { ArchiveButton, MoveAliasForm, TagsEditor } from '../actions.js';
import { apiPath, type Page, pageQuery } from '../api.js';
import { Badge, Card, Chips, ErrorBox, Facts, Field, KeyValues, Loading, Pager, Tabs } from '../components.js';
import { useApi } from '../data.js';
import { bytes, dateTime, relative } from '../format.js';
import { href, type Location, navigate, withQuery } from '../router.js';

export const VERSIONS_PAGE_SIZE = 50;
const VERSION_STATES = ['READY', 'PENDING', 'FAILED', 'ARCHIVED'];

function aliasesByVersion(model: Model): Map<number, string[]> {
  const by = new Map<number, string[]>();
  for (const [alias, v] of Object.entries(model.aliases)) by.set(v, [...(by.get(v) ?? []), alias]);
  return by;
}

function Expiry({ v }: { v: ModelVersion }) {
  if (v.retention !== 'transient') return <span class="muted">kept</span>;
  return <span title={v.expiresAt}>expires {relative(v.expiresAt)}</span>;
}

function Versions({ model, loc }: { model: Model; loc: Location }) {
  const state = loc.query.get('state') ?? '';
  const filter = VERSION_STATES.includes(state) ? `state=${state}` : '';
  const page = useApi<Page<ModelVersion>>(
    `${apiPath('models', model.name, 'versions')}${pageQuery({ pageSize: VERSIONS_PAGE_SIZE, pageToken: loc.query.get('page'), filter })}`,
  );
  const aliases = aliasesByVersion(model);
  const base = href('models', model.name);
  return (
    <>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <Field label="State">
          {(id) => (
            <select
              id={id}
              value={state}
              onChange={(e) =>
                navigate(withQuery(base, { state: (e.currentTarget as HTMLSelectElement).value }), { replace: true })
              }
            >
              <option value="">Any</option>
              {VERSION_STATES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      <ErrorBox error={page.error} />
      {page.loading && !page.data && <Loading what="versions" />}
      {page.data && (
        <>
          <table class="list" aria-busy={page.loading}>
            <caption class="sr-only">Versions of {model.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Label</th>
                <th scope="col">State</th>
                <th scope="col">Approval</th>
                <th scope="col">Aliases</th>
                <th scope="col">Retention</th>
                <th scope="col" class="num">
                  Size
                </th>
                <th scope="col">Format</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((v) => (
                <tr key={v.version}>
                  <td>
                    <a class="strong" href={href('models', model.name, 'versions', v.version)}>
                      v{v.version}
                    </a>
                  </td>
                  <td>{v.label ?? <span class="muted">—</span>}</td>
                  <td>
                    <Badge value={v.state} label="state" />
                  </td>
                  <td>
                    <Badge value={v.approval} label="approval" />
                  </td>
                  <td>
                    <Chips entries={(aliases.get(v.version) ?? []).map((a) => [a, ''])} />
                  </td>
                  <td>
                    <Expiry v={v} />
                  </td>
                  <td class="num">{bytes(v.size)}</td>
                  <td>{v.format ?? <span class="muted">—</span>}</td>
                  <td title={v.createdAt}>{relative(v.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.data.items.length === 0 && <p class="empty">No versions{filter ? ` in state ${state}` : ' yet'}.</p>}
          <Pager path={base} query={loc.query} next={page.data.nextPageToken} state={loc.state} />
        </>
      )}
    </>
  );
}

function AliasHistory({ model, alias }: { model: string; alias: string }) {
  const moves = useApi<Page<AliasMove>>(`${apiPath('models', model, 'aliases', alias, 'history')}?pageSize=100`);
  if (moves.error) return <ErrorBox error={moves.error} />;
  if (!moves.data) return <Loading what={`history of ${alias}`} />;
  return (
    <ol class="timeline">
      {moves.data.items.map((m) => (
        <li key={m.id}>
          <time dateTime={m.at}>{dateTime(m.at)}</time> {m.actor}: {m.from === null ? 'set' : `v${m.from} →`}{' '}
          {m.to === null ? 'removed' : `v${m.to}`}
        </li>
      ))}
    </ol>
  );
}

function Aliases({ model, reload }: { model: Model; reload: () => void }) {
  const entries = Object.entries(model.aliases);
  return (
    <>
      <MoveAliasForm model={model.name} aliases={entries.map(([a]) => a)} onDone={reload} />
      {entries.length === 0 && <p class="empty">No aliases yet.</p>}
      {entries.map(([alias, version]) => (
        <section key={alias} class="alias" aria-label={`Alias ${alias}`}>
          <h3>
            {alias} → <a href={href('models', model.name, 'versions', version)}>v{version}</a>
            {model.protectedAliases.includes(alias) && <span class="badge badge-info">protected</span>}
          </h3>
          <AliasHistory key={version} model={model.name} alias={alias} />
        </section>
      ))}
    </>
  );
}

function History({ model, loc }: { model: Model; loc: Location }) {
  const page = useApi<Page<HistoryEntry>>(
    `${apiPath('models', model.name, 'history')}${pageQuery({ pageSize: 50, pageToken: loc.query.get('page') })}`,
  );
  return (
    <>
      <ErrorBox error={page.error} />
      {page.loading && !page.data && <Loading what="history" />}
      {page.data && (
        <>
          <table class="list">
            <caption class="sr-only">Audit history of {model.name}, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((e) => (
                <tr key={e.id}>
                  <td title={e.at}>{dateTime(e.at)}</td>
                  <td>{e.actor}</td>
                  <td class="mono">{e.action}</td>
                  <td class="mono">{e.target}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager path={href('models', model.name)} query={loc.query} next={page.data.nextPageToken} state={loc.state} />
        </>
      )}
    </>
  );
}

const TABS: [string, string][] = [
  ['versions', 'Versions'],
  ['aliases', 'Aliases'],
  ['history', 'History'],
];

export function ModelPage({ name, loc }: { name: string; loc: Location }) {
  const model = useApi<Model>(apiPath('models', name));
  const tab = TABS.some(([id]) => id === loc.query.get('tab')) ? (loc.query.get('tab') as string) : 'versions';
  const m = model.data;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/ui/models">Models</a> / <span>{name}</span>
      </nav>
      <ErrorBox error={model.error} />
      {!m && model.loading && <Loading what="the model" />}
      {m && (
        <>
          <div class="page-head">
            <h1>{m.name}</h1>
            <Badge value={m.state} />
            <div class="spacer" />
            <ArchiveButton
              path={apiPath('models', m.name, m.state === 'LIVE' ? 'archive' : 'restore')}
              etag={model.etag}
              label={m.state === 'LIVE' ? 'Archive model' : 'Restore model'}
              onDone={model.reload}
            />
          </div>
          {m.description && <p class="lead">{m.description}</p>}
          <Facts
            items={[
              ['Owner', m.owner],
              ['Maintainers', m.maintainers.length ? m.maintainers.join(', ') : <span class="muted">none</span>],
              [
                'Latest version',
                m.latestVersion ? (
                  <a href={href('models', m.name, 'versions', m.latestVersion)}>v{m.latestVersion}</a>
                ) : (
                  'none'
                ),
              ],
              ['Created', `${dateTime(m.createdAt)} by ${m.createdBy}`],
              ['Updated', dateTime(m.updatedAt)],
            ]}
          />
          <div class="grid2">
            <Card title="Tags">
              <TagsEditor path={apiPath('models', m.name)} tags={m.tags} etag={model.etag} onDone={model.reload} />
            </Card>
            <Card title="Properties">
              <KeyValues value={m.properties} caption={`Properties of ${m.name}`} />
            </Card>
          </div>
          <Tabs
            tabs={TABS}
            current={tab}
            onSelect={(id) => navigate(withQuery(href('models', m.name), { tab: id === 'versions' ? '' : id }))}
          />
          {tab === 'versions' && <Versions model={m} loc={loc} />}
          {tab === 'aliases' && <Aliases model={m} reload={model.reload} />}
          {tab === 'history' && <History model={m} loc={loc} />}
        </>
      )}
    </>
  );
}
