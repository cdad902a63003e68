/** One version: files (with SHA-256 and download), lineage to its run, properties, signature, pull command. */
import type { Model, ModelVersion, VersionFile } from '../../../shared/domain/types.js';
import type { Experiment } from '../../../shared/service/tracking/experiments.js';
import type { Run } from '../../../shared/service/tracking/runs.js';
import { ApprovalForm, ArchiveButton, MoveAliasForm, TagsEditor } from '../actions.js';
import { apiPath, call } from '../api.js';
import { Badge, Card, Chips, CopyButton, ErrorBox, Facts, KeyValues, Loading } from '../components.js';
import { useAction, useApi } from '../data.js';
import { bytes, dateTime, json, relative } from '../format.js';
import { href } from '../router.js';

/** Downloads go through the API as the user (it answers with a signed URL), then the browser fetches that URL. */
function DownloadButton({ model, version, file }: { model: string; version: number; file: VersionFile }) {
  const action = useAction();
  const download = () =>
    action.run(async () => {
      const segments = file.path.split('/').map(encodeURIComponent).join('/');
      const { data } = await call<{ url: string }>(
        'GET',
        `${apiPath('models', model, 'versions', version, 'files')}/${segments}?redirect=false`,
      );
      const link = document.createElement('a');
      link.href = data.url;
      link.download = file.path.split('/').at(-1) ?? 'download';
      link.rel = 'noopener';
      document.body.append(link);
      link.click();
      link.remove();
    });
  return (
    <>
      <button type="button" class="secondary" aria-label={`Download ${file.path}`} onClick={() => void download()}>
        Download
      </button>
      <ErrorBox error={action.error} />
    </>
  );
}

function Files({ v }: { v: ModelVersion }) {
  return (
    <table class="list files">
      <caption class="sr-only">Files of version {v.version}</caption>
      <thead>
        <tr>
          <th scope="col">Path</th>
          <th scope="col" class="num">
            Size
          </th>
          <th scope="col">SHA-256</th>
          <th scope="col">
            <span class="sr-only">Download</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {v.files.map((f) => (
          <tr key={f.path}>
            <td class="mono">{f.path}</td>
            <td class="num">{bytes(f.size)}</td>
            <td class="mono hash">{f.sha256}</td>
            <td>{v.state === 'READY' && <DownloadButton model={v.model} version={v.version} file={f} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Lineage({ runId }: { runId: string }) {
  const run = useApi<Run>(apiPath('runs', runId));
  const experiment = useApi<Experiment>(run.data ? apiPath('experiments', run.data.experimentId) : null);
  if (run.error) return <ErrorBox error={run.error} />;
  if (!run.data) return <Loading what="the run" />;
  const r = run.data;
  return (
    <>
      <p>
        Produced by run <a href={href('runs', r.id)}>{r.name || r.id}</a>
        {experiment.data && (
          <>
            {' '}
            in experiment <a href={href('experiments', experiment.data.id)}>{experiment.data.name}</a>
          </>
        )}{' '}
        <Badge value={r.status} label="run status" />
      </p>
      <Chips entries={Object.entries(r.params).slice(0, 12)} empty="no params" />
    </>
  );
}

export function pullCommand(model: string, version: number, origin: string): string {
  return `mreg pull ${model} ${version} --url ${origin}`;
}

export function VersionPage({ model, ref }: { model: string; ref: string }) {
  const version = useApi<ModelVersion>(apiPath('models', model, 'versions', ref));
  const parent = useApi<Model>(apiPath('models', model));
  const v = version.data;
  const reload = () => {
    version.reload();
    parent.reload();
  };
  const aliases = Object.entries(parent.data?.aliases ?? {})
    .filter(([, n]) => n === v?.version)
    .map(([a]) => a);
  const command = v ? pullCommand(v.model, v.version, location.origin) : '';
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/ui/models">Models</a> / <a href={href('models', model)}>{model}</a> /{' '}
        <span>{v ? `v${v.version}` : ref}</span>
      </nav>
      <ErrorBox error={version.error} />
      {!v && version.loading && <Loading what="the version" />}
      {v && (
        <>
          <div class="page-head">
            <h1>
              {v.model} <span class="version-number">v{v.version}</span>
            </h1>
            {v.label && <span class="badge badge-info">{v.label}</span>}
            <Badge value={v.state} label="state" />
            <Badge value={v.approval} label="approval" />
          </div>
          {v.description && <p class="lead">{v.description}</p>}
          <Facts
            items={[
              ['Aliases', <Chips key="a" entries={aliases.map((a) => [a, ''])} empty="none" />],
              ['Format', v.format ?? '—'],
              ['Size', `${bytes(v.size)} in ${v.fileCount} file${v.fileCount === 1 ? '' : 's'}`],
              [
                'Retention',
                v.retention === 'transient'
                  ? `transient, expires ${relative(v.expiresAt)} (${dateTime(v.expiresAt)})`
                  : 'kept',
              ],
              ['Created', `${dateTime(v.createdAt)} by ${v.createdBy}`],
            ]}
          />
          <Card title="Pull">
            <div class="command">
              <code>{command}</code>
              <CopyButton text={command} label="Copy the mreg pull command" />
            </div>
          </Card>
          <Card title="Actions">
            <div class="actions">
              <ApprovalForm
                model={model}
                version={v.version}
                approval={v.approval}
                etag={version.etag}
                onDone={reload}
              />
              {v.retention !== 'transient' && (
                <MoveAliasForm
                  model={model}
                  version={v.version}
                  aliases={Object.keys(parent.data?.aliases ?? {})}
                  onDone={reload}
                />
              )}
              {v.state === 'READY' && (
                <ArchiveButton
                  path={apiPath('models', model, 'versions', v.version, 'archive')}
                  etag={version.etag}
                  label="Archive version"
                  onDone={reload}
                />
              )}
            </div>
          </Card>
          <Card title={`Files (${v.fileCount})`}>
            <Files v={v} />
          </Card>
          <div class="grid2">
            <Card title="Lineage">
              {v.runId ? <Lineage runId={v.runId} /> : <p class="muted">No run recorded for this version.</p>}
            </Card>
            <Card title="Tags">
              <TagsEditor
                path={apiPath('models', model, 'versions', v.version)}
                tags={v.tags}
                etag={version.etag}
                onDone={reload}
              />
            </Card>
            <Card title="Properties">
              <KeyValues value={v.properties} caption={`Properties of version ${v.version}`} />
            </Card>
            <Card title="Signature">
              {v.signature ? <pre class="json">{json(v.signature)}</pre> : <p class="muted">No signature.</p>}
            </Card>
          </div>
        </>
      )}
    </>
  );
}
