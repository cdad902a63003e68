/**
 * A version's `source`: a URI naming bytes the registry already holds (a run's artifacts, a
 * logged model's, or MLflow's artifact proxy paths to either), whose blobs the version claims
 * with no copy; or any other URI, kept as a reference version (READY, no files). The registry
 * never fetches a source: a foreign URI is only remembered. URIs that point into the server's
 * own file system or step out of a path (MLflow's path-traversal CVEs) are refused.
 */
import { filePathProblem } from '../../domain/names.js';
import { invalid } from '../../errors.js';
import { walkArtifacts } from '../artifacts/index.js';
import type { ArtifactOwner } from '../artifacts/owners.js';
import type { RegistryContext } from '../context.js';
import { isLoggedModelId } from '../tracking/logged-models.js';

export type VersionSource =
  | { kind: 'artifacts'; owner: ArtifactOwner; path: string; uri: string }
  | { kind: 'reference'; uri: string };

const ULID = '[0-9A-Z]{26}';
const RUNS_RE = new RegExp(`^runs:/(${ULID})(?:/(.*))?$`);
const LOGGED_MODEL_RE = /^models:\/(m-[0-9a-z]{26})(?:\/(.*))?$/;
const PROXY_RUN_RE = new RegExp(`^mlflow-artifacts:(?://[^/]*)?/(?:${ULID}|0)/(${ULID})/artifacts(?:/(.*))?$`);
const PROXY_MODEL_RE = new RegExp(
  `^mlflow-artifacts:(?://[^/]*)?/(?:${ULID}|0)/models/(m-[0-9a-z]{26})/artifacts(?:/(.*))?$`,
);
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f\\]/;

function refuse(message: string): never {
  throw invalid('source', message);
}

/** A path inside a source ('' for the owner's root), checked by the file-path rule. */
function innerPath(raw: string | undefined): string {
  const path = (raw ?? '').replace(/\/+$/, '');
  if (path === '') return '';
  const problem = filePathProblem(path);
  if (problem) refuse(`the path in the source ${problem}`);
  return path;
}

export function parseSource(uri: string): VersionSource {
  if (uri.length === 0 || uri.length > 2048) refuse('must be 1-2048 characters');
  if (UNSAFE.test(uri)) refuse('must not contain control characters or "\\"');
  let decoded: string;
  try {
    decoded = decodeURIComponent(uri);
  } catch {
    refuse('is not valid percent-encoding');
  }
  // `..` in any spelling (raw or encoded, in a path, a query or a fragment) never names anything we hold.
  if (/(^|[/\\=#?])\.\.($|[/\\#?&])/.test(decoded) || UNSAFE.test(decoded)) refuse('must not contain ".." segments');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) refuse("must be a URI with a scheme (a local path names the server's own files)");
  if (scheme === 'file' || scheme === 'local') refuse("file URIs name the server's own files and are refused");
  let m = RUNS_RE.exec(uri);
  if (m?.[1]) return { kind: 'artifacts', owner: { kind: 'run', id: m[1] }, path: innerPath(m[2]), uri };
  m = LOGGED_MODEL_RE.exec(uri);
  if (m?.[1]) return { kind: 'artifacts', owner: { kind: 'loggedModel', id: m[1] }, path: innerPath(m[2]), uri };
  m = PROXY_RUN_RE.exec(uri);
  if (m?.[1]) return { kind: 'artifacts', owner: { kind: 'run', id: m[1] }, path: innerPath(m[2]), uri };
  m = PROXY_MODEL_RE.exec(uri);
  if (m?.[1]) return { kind: 'artifacts', owner: { kind: 'loggedModel', id: m[1] }, path: innerPath(m[2]), uri };
  // Our own schemes must name something we hold; a malformed one is a mistake, not a reference.
  if (scheme === 'runs') refuse('use runs:/<run id>/<path> with a run of this registry');
  if (scheme === 'mlflow-artifacts') refuse('use mlflow-artifacts:/<experiment>/<run>/artifacts/<path>');
  if (scheme === 'models' && isLoggedModelId(uri.slice('models:/'.length).split('/')[0] ?? ''))
    refuse('malformed logged model source');
  return { kind: 'reference', uri };
}

/** The files a source names (relative to its path), from its owner's artifact index. */
export async function filesOfSource(
  ctx: RegistryContext,
  source: VersionSource,
): Promise<Array<{ path: string; size: number; sha256: string; contentType?: string }>> {
  if (source.kind === 'reference') return [];
  const files = await walkArtifacts(ctx, source.owner, source.path);
  if (files.length === 0) refuse(`"${source.uri}" names no files`);
  return files.map((f) => ({
    path: f.relative,
    size: f.size,
    sha256: f.sha256,
    ...(f.contentType ? { contentType: f.contentType } : {}),
  }));
}
