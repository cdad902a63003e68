/**
 * What a person may change from the UI: move an alias, archive, set approval, edit tags. Each
 * goes through the public API as the user (If-Match with the etag the page read), and shows
 * the API's answer in words (403, 409, 412...).
 */
import { useState } from 'preact/hooks';
import type { Approval } from '../../shared/domain/types.js';
import { apiPath, call } from './api.js';
import { ErrorBox, Field, Notice } from './components.js';
import { useAction } from './data.js';

function Outcome({ action, success }: { action: ReturnType<typeof useAction>; success: string }) {
  return (
    <>
      <ErrorBox error={action.error} />
      {action.done && <Notice>{success}</Notice>}
    </>
  );
}

/** Points `alias` at a version (PUT .../aliases/{alias}); the alias may be new. */
export function MoveAliasForm({
  model,
  version,
  aliases,
  onDone,
}: {
  model: string;
  /** Fixed on a version's page; chosen in the form elsewhere. */
  version?: number;
  aliases: string[];
  onDone: () => void;
}) {
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const alias = String(form.get('alias') ?? '').trim();
    const target = version ?? Number(form.get('version'));
    if (await action.run(() => call('PUT', apiPath('models', model, 'aliases', alias), { body: { version: target } })))
      onDone();
  };
  return (
    <form class="action" onSubmit={submit} aria-label="Move an alias">
      <Field label="Alias">
        {(id) => <input id={id} name="alias" required list="known-aliases" placeholder="champion" autoComplete="off" />}
      </Field>
      <datalist id="known-aliases">
        {aliases.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      {version === undefined && (
        <Field label="Version">{(id) => <input id={id} name="version" type="number" min="1" required />}</Field>
      )}
      <button type="submit" disabled={action.busy}>
        {version === undefined ? 'Move alias' : `Point alias at v${version}`}
      </button>
      <Outcome action={action} success="Alias moved." />
    </form>
  );
}

const APPROVALS: Approval[] = ['NONE', 'PENDING', 'APPROVED', 'REJECTED'];

export function ApprovalForm({
  model,
  version,
  approval,
  etag,
  onDone,
}: {
  model: string;
  version: number;
  approval: Approval;
  etag: string | undefined;
  onDone: () => void;
}) {
  const action = useAction();
  const [value, setValue] = useState<Approval>(approval);
  const submit = async (event: Event) => {
    event.preventDefault();
    const path = apiPath('models', model, 'versions', version);
    if (await action.run(() => call('PATCH', path, { body: { approval: value }, ...(etag ? { ifMatch: etag } : {}) })))
      onDone();
  };
  return (
    <form class="action" onSubmit={submit} aria-label="Set approval">
      <Field label="Approval">
        {(id) => (
          <select
            id={id}
            value={value}
            onChange={(e) => setValue((e.currentTarget as HTMLSelectElement).value as Approval)}
          >
            {APPROVALS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        )}
      </Field>
      <button type="submit" disabled={action.busy || value === approval}>
        Set approval
      </button>
      <Outcome action={action} success="Approval set." />
    </form>
  );
}

/** Archives (or restores) what `path` names: `.../archive` with If-Match. */
export function ArchiveButton({
  path,
  etag,
  label,
  onDone,
}: {
  path: string;
  etag: string | undefined;
  label: string;
  onDone: () => void;
}) {
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const archive = async () => {
    setConfirming(false);
    if (await action.run(() => call('POST', path, etag ? { ifMatch: etag } : {}))) onDone();
  };
  return (
    <div class="action">
      {confirming ? (
        <>
          <span>{label}?</span>
          <button type="button" class="danger" onClick={() => void archive()} disabled={action.busy}>
            Yes, {label.toLowerCase()}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" class="secondary" onClick={() => setConfirming(true)} disabled={action.busy}>
          {label}
        </button>
      )}
      <Outcome action={action} success="Done." />
    </div>
  );
}

/** Adds, changes or removes tags with a JSON Merge Patch (`{"tags": {"k": null}}` removes). */
export function TagsEditor({
  path,
  tags,
  etag,
  onDone,
}: {
  path: string;
  tags: Record<string, string>;
  etag: string | undefined;
  onDone: () => void;
}) {
  const action = useAction();
  const patch = (change: Record<string, string | null>) =>
    action.run(() => call('PATCH', path, { body: { tags: change }, ...(etag ? { ifMatch: etag } : {}) }));
  const submit = async (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    const key = String(form.get('key') ?? '').trim();
    if (key && (await patch({ [key]: String(form.get('value') ?? '') }))) {
      formEl.reset();
      onDone();
    }
  };
  return (
    <div class="tags-editor">
      <ul class="chips">
        {Object.entries(tags).map(([k, v]) => (
          <li key={k} class="chip">
            <span class="chip-key">{k}</span>
            {v !== '' && <span class="chip-value">{v}</span>}
            <button
              type="button"
              class="chip-remove"
              aria-label={`Remove tag ${k}`}
              disabled={action.busy}
              onClick={() => void patch({ [k]: null }).then((ok) => ok && onDone())}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form class="action" onSubmit={submit} aria-label="Set a tag">
        <Field label="Tag key">{(id) => <input id={id} name="key" required autoComplete="off" />}</Field>
        <Field label="Value">{(id) => <input id={id} name="value" autoComplete="off" />}</Field>
        <button type="submit" disabled={action.busy}>
          Set tag
        </button>
      </form>
      <Outcome action={action} success="Tags saved." />
    </div>
  );
}
