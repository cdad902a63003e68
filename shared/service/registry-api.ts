/**
 * The registry's request operations bound to one set of ports: what the HTTP app calls.
 * Background work (sweeps, object-created events, the outbox) lives in `RegistryService`,
 * so a bundle of the API alone does not carry it.
 */
import { monotonicFactory } from 'ulid';
import type { Clock } from '../ports/clock.js';
import { systemClock } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Sha256Factory } from '../ports/sha256.js';
import * as aliases from './aliases.js';
import * as artifactMultipart from './artifacts/multipart.js';
import * as artifactReads from './artifacts/reads.js';
import * as artifactUpload from './artifacts/upload.js';
import { defaultSettings, type RegistryContext, type RegistrySettings, type VerificationQueue } from './context.js';
import { listDropIns } from './drop-in-log.js';
import { deleteModel } from './model-deletion.js';
import * as models from './models.js';
import { nativeSha256 } from './sha256-native.js';
import * as experiments from './tracking/experiments.js';
import { HomeExperiments } from './tracking/home-experiments.js';
import * as loggedModels from './tracking/logged-models.js';
import * as metrics from './tracking/metrics.js';
import * as runInputs from './tracking/run-inputs.js';
import * as runSearch from './tracking/run-search.js';
import * as runs from './tracking/runs.js';
import * as versionCreate from './versions/create.js';
import * as versionEdits from './versions/edits.js';
import * as versionParts from './versions/parts.js';
import * as versionReads from './versions/reads.js';
import * as versionRemoval from './versions/removal.js';
import * as versionVerify from './versions/verify.js';

export interface RegistryPorts {
  metadata: MetadataStore;
  objects: ObjectStore;
  clock?: Clock;
  settings?: Partial<RegistrySettings>;
  /** Where verification too large for a request goes; by default it runs in this process. */
  verification?: VerificationQueue;
  /** Native (not resumable) unless given: requests hash only files small enough to finish. */
  sha256?: Sha256Factory;
}

type Bound<F> = F extends (ctx: RegistryContext, ...args: infer A) => infer R ? (...args: A) => R : never;

const bind = <F extends (ctx: RegistryContext, ...args: never[]) => unknown>(ctx: RegistryContext, f: F): Bound<F> =>
  ((...args: never[]) => f(ctx, ...args)) as Bound<F>;

export class RegistryApi {
  readonly context: RegistryContext;

  constructor(ports: RegistryPorts) {
    const settings = { ...defaultSettings, ...ports.settings };
    const context: RegistryContext = {
      metadata: ports.metadata,
      objects: ports.objects,
      clock: ports.clock ?? systemClock,
      settings,
      sha256: ports.sha256 ?? nativeSha256,
      // Monotonic within a process, so history rows written in one millisecond keep their order.
      newId: monotonicFactory(),
      homes: new HomeExperiments(),
      verification: ports.verification ?? {
        enqueue: async (model, version) => {
          // In-process fallback: verify after the response; failures stay visible on the version.
          setTimeout(() => void versionVerify.runVerification(context, model, version).catch(() => undefined), 0);
        },
      },
    };
    this.context = context;
  }

  get models() {
    const c = this.context;
    return {
      create: bind(c, models.createModel),
      get: bind(c, models.getModel),
      list: bind(c, models.listModels),
      update: bind(c, models.updateModel),
      setState: bind(c, models.setModelState),
      delete: bind(c, deleteModel),
      history: bind(c, aliases.modelHistory),
      dropIns: bind(c, listDropIns),
    };
  }

  get versions() {
    const c = this.context;
    return {
      create: bind(c, versionCreate.createVersion),
      get: bind(c, versionReads.getVersion),
      list: bind(c, versionReads.listVersions),
      update: bind(c, versionEdits.updateVersion),
      commit: bind(c, versionVerify.commitVersion),
      archive: bind(c, versionEdits.archiveVersion),
      unarchive: bind(c, versionEdits.unarchiveVersion),
      delete: bind(c, versionRemoval.deleteVersion),
      files: bind(c, versionReads.listFiles),
      download: bind(c, versionReads.fileDownload),
      partUrls: bind(c, versionParts.partUrls),
      uploadedParts: bind(c, versionParts.uploadedParts),
      runVerification: bind(c, versionVerify.runVerification),
    };
  }

  get aliases() {
    const c = this.context;
    return {
      get: bind(c, aliases.getAlias),
      set: bind(c, aliases.setAlias),
      delete: bind(c, aliases.deleteAlias),
      history: bind(c, aliases.aliasHistory),
    };
  }

  get tracking() {
    const c = this.context;
    return {
      createExperiment: bind(c, experiments.createExperiment),
      getExperiment: bind(c, experiments.getExperiment),
      getExperimentByName: bind(c, experiments.getExperimentByName),
      updateExperiment: bind(c, experiments.updateExperiment),
      setExperimentLifecycle: bind(c, experiments.setExperimentLifecycle),
      listExperiments: bind(c, experiments.listExperiments),
      createRun: bind(c, runs.createRun),
      listRuns: bind(c, runs.listRuns),
      searchRuns: bind(c, runSearch.searchRuns),
      getRun: bind(c, runs.getRun),
      updateRun: bind(c, runs.updateRun),
      setRunLifecycle: bind(c, runs.setRunLifecycle),
      putParams: bind(c, runs.putParams),
      logRunInputs: bind(c, runInputs.logRunInputs),
      logRunOutputs: bind(c, runInputs.logRunOutputs),
      logMetrics: bind(c, metrics.logMetrics),
      metricHistory: bind(c, metrics.metricHistory),
    };
  }

  /** MLflow 3's logged models: a run's model with its own artifacts, a source for versions. */
  get loggedModels() {
    const c = this.context;
    return {
      create: bind(c, loggedModels.createLoggedModel),
      get: bind(c, loggedModels.getLoggedModel),
      finalize: bind(c, loggedModels.finalizeLoggedModel),
      patchTags: bind(c, loggedModels.patchLoggedModelTags),
      logParams: bind(c, loggedModels.logLoggedModelParams),
      setLifecycle: bind(c, loggedModels.setLoggedModelLifecycle),
      list: bind(c, loggedModels.listLoggedModels),
    };
  }

  /** Files a run or a logged model holds, by path. */
  get artifacts() {
    const c = this.context;
    return {
      put: bind(c, artifactUpload.putArtifact),
      list: bind(c, artifactReads.listArtifacts),
      download: bind(c, artifactReads.artifactDownload),
      delete: bind(c, artifactReads.deleteArtifact),
      createMultipart: bind(c, artifactMultipart.createArtifactMultipart),
      completeMultipart: bind(c, artifactMultipart.completeArtifactMultipart),
      abortMultipart: bind(c, artifactMultipart.abortArtifactMultipart),
    };
  }
}
