/**
 * The Azure deployment template, parsed and checked point by point against issue #4 and
 * shared/azure-notes.md: what it creates, what it must not, roles and their scopes, auth,
 * the Event Grid topic and the second-step subscription.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Resource {
  type: string;
  apiVersion: string;
  name: string;
  condition?: string;
  scope?: string;
  kind?: string;
  location?: string;
  resourceGroup?: string;
  sku?: Record<string, unknown>;
  identity?: { type: string };
  dependsOn?: string[];
  properties?: Record<string, unknown> & {
    template?: Template;
    parameters?: Record<string, { value: unknown }>;
  };
}
interface Template {
  $schema: string;
  parameters: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[] }>;
  variables?: Record<string, unknown>;
  resources: Resource[];
  outputs?: Record<string, { type: string; value: string }>;
}

const template = JSON.parse(readFileSync(new URL('../../infra/azure/main.json', import.meta.url), 'utf8')) as Template;
const text = JSON.stringify(template);

const ROLE = {
  blobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  blobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
};

/** Every resource, nested deployments' templates included, with the deployment it sits in. */
function allResources(t: Template, where = 'main'): { resource: Resource; where: string }[] {
  return t.resources.flatMap((resource) => [
    { resource, where },
    ...(resource.properties?.template ? allResources(resource.properties.template, resource.name) : []),
  ]);
}
const resources = allResources(template);
const ofType = (type: string) => resources.filter((r) => r.resource.type === type).map((r) => r.resource);
const one = (type: string): Resource => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0] as Resource;
};
const nested = (suffix: string): Resource => {
  const found = template.resources.find((r) => r.type === 'Microsoft.Resources/deployments' && r.name.includes(suffix));
  if (!found) throw new Error(`no nested deployment ${suffix}`);
  return found;
};
const roleId = (r: Resource) => String(r.properties?.roleDefinitionId ?? '');
/** A role assignment's definition, resolving `variables('roles').x` through the template's variables. */
function roleGuid(r: Resource): string {
  const raw = roleId(r);
  const viaVariable = /variables\('roles'\)\.(\w+)/.exec(raw);
  const roles = (template.variables?.roles ?? {}) as Record<string, string>;
  const resolved = viaVariable?.[1] ? (roles[viaVariable[1]] ?? '') : raw;
  return /'([0-9a-f-]{36})'/.exec(resolved)?.[1] ?? '';
}
const assignments = () => ofType('Microsoft.Authorization/roleAssignments');
const assignmentsOf = (guid: string) => assignments().filter((r) => roleGuid(r) === guid);
const site = () => one('Microsoft.Web/sites');
const appSettings = () => {
  const siteConfig = site().properties?.siteConfig as { appSettings?: { name: string; value: string }[] } | undefined;
  return (siteConfig?.appSettings ?? []).map((s) => [s.name, s.value] as const);
};

/** Every `parameters('x')` / `variables('x')` a (nested, inner-scoped) template uses, outside its nested templates. */
function references(t: Template): { parameters: Set<string>; variables: Set<string> } {
  const own = {
    ...t,
    resources: t.resources.map((r) => ({ ...r, properties: { ...r.properties, template: undefined } })),
  };
  const body = JSON.stringify(own);
  const names = (kind: string) =>
    new Set([...body.matchAll(new RegExp(`${kind}\\('(\\w+)'\\)`, 'g'))].map((m) => m[1] ?? ''));
  return { parameters: names('parameters'), variables: names('variables') };
}
const templates = (t: Template): Template[] => [
  t,
  ...t.resources.flatMap((r) => (r.properties?.template ? templates(r.properties.template) : [])),
];

describe('Azure template: well-formed', () => {
  it('declares every parameter and variable each template (and nested template) uses', () => {
    for (const t of templates(template)) {
      const used = references(t);
      for (const name of used.parameters) expect(Object.keys(t.parameters), `parameters('${name}')`).toContain(name);
      for (const name of used.variables) expect(Object.keys(t.variables ?? {}), `variables('${name}')`).toContain(name);
    }
    expect(templates(template)).toHaveLength(3);
    expect(references(template).parameters).toContain('artifactContainerName');
    expect(references(template).variables).toContain('hostStorageName');
  });

  it('passes each nested deployment exactly the parameters its template declares', () => {
    for (const r of template.resources.filter((x) => x.type === 'Microsoft.Resources/deployments')) {
      const declared = Object.keys(r.properties?.template?.parameters ?? {}).sort();
      expect(Object.keys(r.properties?.parameters ?? {}).sort(), r.name).toEqual(declared);
      expect(r.properties?.expressionEvaluationOptions, r.name).toEqual({ scope: 'inner' });
    }
  });
});

describe('Azure template: Function App', () => {
  it('is an ARM deployment template in JSON', () => {
    expect(template.$schema).toContain('deploymentTemplate.json');
  });

  it('runs on a Flex Consumption FC1 plan, Linux', () => {
    const plan = one('Microsoft.Web/serverfarms');
    expect(plan.sku).toEqual({ tier: 'FlexConsumption', name: 'FC1' });
    expect(plan.properties?.reserved).toBe(true);
    expect(site().kind).toBe('functionapp,linux');
  });

  it('runs Node 22 through functionAppConfig, with a scale configuration in the allowed ranges', () => {
    const config = site().properties?.functionAppConfig as {
      runtime: { name: string; version: string };
      scaleAndConcurrency: Record<string, string>;
      deployment: { storage: { type: string; authentication: { type: string } } };
    };
    expect(config.runtime).toEqual({ name: 'node', version: '22' });
    expect(config.deployment.storage.type).toBe('blobContainer');
    expect(config.deployment.storage.authentication.type).toBe('SystemAssignedIdentity');
    expect(template.parameters.instanceMemoryMB?.allowedValues).toEqual([512, 2048, 4096]);
    expect(template.parameters.maximumInstanceCount).toMatchObject({ minValue: 40, maxValue: 1000 });
  });

  it('has a system-assigned identity and identity-based AzureWebJobsStorage', () => {
    expect(site().identity).toEqual({ type: 'SystemAssigned' });
    const names = appSettings().map(([name]) => name);
    expect(names).toContain('AzureWebJobsStorage__accountName');
    expect(names).not.toContain('AzureWebJobsStorage');
  });

  it('sets none of the app settings Flex Consumption rejects', () => {
    for (const [name] of appSettings()) {
      expect(name).not.toMatch(/^(FUNCTIONS_WORKER_RUNTIME|WEBSITE_NODE_DEFAULT_VERSION|FUNCTIONS_EXTENSION_VERSION)$/);
      expect(name).not.toMatch(/^WEBSITE_CONTENT/);
    }
    const siteConfig = site().properties?.siteConfig as Record<string, unknown>;
    expect(siteConfig).not.toHaveProperty('alwaysOn');
    expect(siteConfig).not.toHaveProperty('linuxFxVersion');
  });

  it('configures the registry: container, prefix, blob endpoint of the existing account, table, topic', () => {
    const settings = new Map(appSettings());
    expect(settings.get('MREG_CONTAINER')).toBe("[parameters('artifactContainerName')]");
    expect(settings.get('MREG_PREFIX')).toBe("[parameters('registryPrefix')]");
    expect(settings.get('MREG_BLOB_ENDPOINT')).toContain("parameters('artifactStorageAccountName')");
    expect(settings.get('MREG_TABLE')).toBe("[parameters('metadataTableName')]");
    expect(settings.get('MREG_EVENT_TOPIC_ENDPOINT')).toContain('Microsoft.EventGrid/topics');
  });
});

describe('Azure template: no keys, no artifact account', () => {
  it('puts no account key or connection string with a key in any app setting or output', () => {
    for (const [name, value] of appSettings()) {
      expect(value, name).not.toMatch(/listKeys|AccountKey|SharedAccessKey|listkeys/i);
    }
    for (const [name, output] of Object.entries(template.outputs ?? {}))
      expect(output.value, name).not.toMatch(/listKeys|AccountKey|key/i);
    expect(text).not.toMatch(/listKeys|listAccountSas|listServiceSas/);
  });

  it('creates exactly one storage account, the app’s own, with shared-key access off', () => {
    const accounts = ofType('Microsoft.Storage/storageAccounts');
    expect(accounts).toHaveLength(1);
    const [account] = accounts;
    expect(account?.name).toBe("[variables('hostStorageName')]");
    expect(account?.name).not.toContain('artifactStorageAccountName');
    expect(account?.properties?.allowSharedKeyAccess).toBe(false);
  });

  it('takes the existing artifact account and container as parameters and creates no artifact container', () => {
    expect(template.parameters.artifactStorageAccountName?.type).toBe('string');
    expect(template.parameters.artifactContainerName?.type).toBe('string');
    for (const container of ofType('Microsoft.Storage/storageAccounts/blobServices/containers'))
      expect(container.name).toContain("variables('hostStorageName')");
  });

  it('creates the metadata table in the app’s own account', () => {
    const table = one('Microsoft.Storage/storageAccounts/tableServices/tables');
    expect(table.name).toContain("parameters('metadataTableName')");
    expect(table.name).toContain("variables('hostStorageName')");
  });
});

describe('Azure template: Application Insights', () => {
  it('has a workspace-based component with local auth off and AAD ingestion', () => {
    const insights = one('Microsoft.Insights/components');
    expect(insights.properties?.DisableLocalAuth).toBe(true);
    expect(insights.properties?.WorkspaceResourceId).toContain('Microsoft.OperationalInsights/workspaces');
    const settings = new Map(appSettings());
    expect(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe('Authorization=AAD');
    expect(settings.get('APPLICATIONINSIGHTS_CONNECTION_STRING')).toContain('ConnectionString');
    const publisher = assignmentsOf(ROLE.monitoringMetricsPublisher);
    expect(publisher).toHaveLength(1);
    expect(publisher[0]?.scope).toContain('Microsoft.Insights/components');
  });
});

describe('Azure template: role assignments', () => {
  it('grants Storage Blob Data Contributor on the existing artifact container only, in its resource group', () => {
    const access = nested('artifact-access');
    expect(access.resourceGroup).toBe("[parameters('artifactResourceGroup')]");
    const contributor = (access.properties?.template?.resources ?? []).filter(
      (r) => r.type === 'Microsoft.Authorization/roleAssignments' && roleId(r).includes(ROLE.blobDataContributor),
    );
    expect(contributor).toHaveLength(1);
    expect(contributor[0]?.scope).toMatch(
      /^\[format\('Microsoft\.Storage\/storageAccounts\/\{0\}\/blobServices\/default\/containers\/\{1\}'/,
    );
    expect(access.properties?.parameters?.containerName?.value).toBe("[parameters('artifactContainerName')]");
    expect(access.properties?.parameters?.accountName?.value).toBe("[parameters('artifactStorageAccountName')]");
  });

  it('grants Storage Blob Delegator at the artifact account scope (user-delegation keys are account-level)', () => {
    const delegator = assignmentsOf(ROLE.blobDelegator);
    expect(delegator).toHaveLength(1);
    expect(delegator[0]?.scope).toBe("[format('Microsoft.Storage/storageAccounts/{0}', parameters('accountName'))]");
  });

  it('grants the identity data roles on the app’s own account for host storage, queues and the table', () => {
    for (const guid of [ROLE.blobDataOwner, ROLE.queueDataContributor, ROLE.tableDataContributor]) {
      const found = assignmentsOf(guid);
      expect(found, guid).toHaveLength(1);
      expect(found[0]?.scope).toContain("variables('hostStorageName')");
    }
  });

  it('grants EventGrid Data Sender on the registry’s own topic, which takes no keys', () => {
    const sender = assignmentsOf(ROLE.eventGridDataSender);
    expect(sender).toHaveLength(1);
    expect(sender[0]?.scope).toContain('Microsoft.EventGrid/topics');
    expect(one('Microsoft.EventGrid/topics').properties?.disableLocalAuth).toBe(true);
  });

  it('assigns every role to a service principal with a deterministic guid name', () => {
    expect(assignments().length).toBeGreaterThanOrEqual(8);
    for (const assignment of assignments()) {
      expect(assignment.properties?.principalType).toBe('ServicePrincipal');
      expect(assignment.name).toMatch(/^\[guid\(/);
    }
  });

  it('grants nothing on the artifact account beyond the container role and the delegator', () => {
    const onArtifact = assignments().filter((r) => (r.scope ?? '').includes("parameters('accountName')"));
    expect(onArtifact.map(roleGuid).sort()).toEqual([ROLE.blobDataContributor, ROLE.blobDelegator].sort());
  });
});

describe('Azure template: Event Grid', () => {
  it('creates the artifact account’s system topic unless an existing one is named (one per account)', () => {
    const topic = one('Microsoft.EventGrid/systemTopics');
    expect(topic.condition).toBe("[parameters('createSystemTopic')]");
    expect(topic.properties?.topicType).toBe('Microsoft.Storage.StorageAccounts');
    expect(topic.properties?.source).toContain("parameters('accountName')");
    expect(topic.location).toBe("[parameters('accountLocation')]");
    expect(template.parameters.existingSystemTopicName?.defaultValue).toBe('');
    expect(String(template.variables?.createSystemTopic)).toBe("[empty(parameters('existingSystemTopicName'))]");
  });

  it('creates the subscription only in the second step, after the code is deployed', () => {
    expect(template.parameters.deployEventSubscription).toMatchObject({ type: 'bool', defaultValue: false });
    const events = nested('artifact-events');
    expect(events.condition).toBe("[parameters('deployEventSubscription')]");
    expect(events.resourceGroup).toBe("[parameters('artifactResourceGroup')]");
    const subscriptions = ofType('Microsoft.EventGrid/systemTopics/eventSubscriptions');
    expect(subscriptions).toHaveLength(1);
    expect(resources.find((r) => r.resource === subscriptions[0])?.where).toBe(events.name);
  });

  it('delivers BlobCreated to the blobCreated function, filtered to the registry’s uploads and incoming/', () => {
    const subscription = one('Microsoft.EventGrid/systemTopics/eventSubscriptions');
    const props = subscription.properties as {
      destination: { endpointType: string; properties: { resourceId: string } };
      filter: {
        includedEventTypes: string[];
        advancedFilters: { operatorType: string; key: string; values: unknown }[];
      };
      deadLetterWithResourceIdentity: { deadLetterDestination: { endpointType: string } };
    };
    // An AzureFunction endpoint is addressed by resource id: Event Grid gets the function's key itself.
    expect(props.destination.endpointType).toBe('AzureFunction');
    expect(props.destination.properties.resourceId).toBe("[parameters('functionResourceId')]");
    expect(nested('artifact-events').properties?.parameters?.functionResourceId?.value).toContain(
      '/functions/blobCreated',
    );
    expect(props.filter.includedEventTypes).toEqual(['Microsoft.Storage.BlobCreated']);
    const subjects = props.filter.advancedFilters.find((f) => f.key === 'subject');
    expect(subjects?.operatorType).toBe('StringBeginsWith');
    const prefixes = template.variables?.subjectPrefixes as string[];
    expect(prefixes).toHaveLength(2);
    expect(prefixes[0]).toContain("parameters('registryPrefix')");
    expect(prefixes[0]).toContain('uploads/');
    expect(prefixes[1]).toContain('/blobs/incoming/');
    for (const p of prefixes) expect(p).toContain('/blobServices/default/containers/{0}/blobs/');
    expect(props.deadLetterWithResourceIdentity.deadLetterDestination.endpointType).toBe('StorageBlob');
  });
});

describe('Azure template: the blob area', () => {
  it('outputs the role-assignment condition that keeps other writers out of the registry’s blob area', () => {
    const output = template.outputs?.blobAreaWriteCondition;
    expect(output?.type).toBe('string');
    const value = output?.value ?? '';
    expect(value).toContain("parameters('registryPrefix')");
    expect(value).toContain('blobs/*');
    expect(value).toContain('blobs:path');
    for (const action of ['blobs/write', 'blobs/delete', 'blobs/add/action']) expect(value, action).toContain(action);
  });
});

describe('Azure template: Entra ID authentication', () => {
  const auth = () => {
    const config = ofType('Microsoft.Web/sites/config').find((r) => r.name.includes('authsettingsV2'));
    if (!config?.properties) throw new Error('no authsettingsV2');
    return config.properties as {
      platform: { enabled: boolean };
      globalValidation: {
        requireAuthentication: boolean;
        unauthenticatedClientAction: string;
        excludedPaths: string[];
      };
      identityProviders: {
        azureActiveDirectory: { enabled: boolean; registration: { clientId: string; openIdIssuer: string } };
      };
    };
  };

  it('requires Entra ID authentication and answers 401 otherwise', () => {
    expect(auth().platform.enabled).toBe(true);
    expect(auth().globalValidation.requireAuthentication).toBe(true);
    expect(auth().globalValidation.unauthenticatedClientAction).toBe('Return401');
    expect(auth().identityProviders.azureActiveDirectory.enabled).toBe(true);
    expect(auth().identityProviders.azureActiveDirectory.registration.clientId).toBe("[parameters('entraClientId')]");
    expect(auth().identityProviders.azureActiveDirectory.registration.openIdIssuer).toContain('/v2.0');
  });

  it('excludes only the Event Grid webhook path (protected by its function key) and the web UI’s page and assets (no data)', () => {
    expect(auth().globalValidation.excludedPaths).toEqual(['/runtime/webhooks/EventGrid', '/ui', '/ui/*']);
  });

  it('outputs the web UI’s address and the redirect URI App Service authentication signs UI users in through', () => {
    const outputs = template.outputs ?? {};
    expect(outputs.uiUrl?.value).toMatch(
      /^\[format\('https:\/\/\{0\}\/ui\/', reference\(resourceId\('Microsoft\.Web\/sites'/,
    );
    expect(outputs.entraRedirectUri?.value).toMatch(
      /^\[format\('https:\/\/\{0\}\/\.auth\/login\/aad\/callback', .*defaultHostName\)\]$/,
    );
  });

  it('has the function verify every token itself: the tenant issuers, the API audiences, the tenant keys', () => {
    const settings = new Map(appSettings());
    expect(settings.get('MREG_JWT_ISSUER')).toContain("parameters('entraTenantId')");
    expect(settings.get('MREG_JWT_ISSUER')).toContain('/v2.0');
    expect(settings.get('MREG_JWT_ISSUER')).toContain('sts.windows.net');
    expect(settings.get('MREG_JWT_AUDIENCE')).toContain("parameters('entraClientId')");
    expect(settings.get('MREG_JWT_AUDIENCE')).toContain("parameters('allowedAudiences')");
    expect(settings.get('MREG_JWT_JWKS_URL')).toContain('/discovery/v2.0/keys');
    // The switch that trusted X-MS-CLIENT-PRINCIPAL on its word is gone everywhere.
    expect(text).not.toContain('MREG_TRUST_CLIENT_PRINCIPAL');
  });

  it('keeps the session tokens for the browser UI: token store on, the API scope asked for at login', () => {
    const config = ofType('Microsoft.Web/sites/config').find((r) => r.name.includes('authsettingsV2'));
    const props = config?.properties as {
      login: { tokenStore: { enabled: boolean } };
      identityProviders: {
        azureActiveDirectory: {
          registration: { clientSecretSettingName?: string };
          login: { loginParameters: string };
        };
      };
    };
    expect(props.login.tokenStore.enabled).toBe(true);
    expect(props.identityProviders.azureActiveDirectory.login.loginParameters).toContain("parameters('sessionScopes')");
    expect(props.identityProviders.azureActiveDirectory.registration.clientSecretSettingName).toContain(
      "parameters('sessionClientSecretSettingName')",
    );
    expect(template.parameters.sessionClientSecretSettingName?.defaultValue).toBe('');
  });
});

describe('Azure template: the Function App code', () => {
  const root = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));

  it('host.json serves the API at the root (routePrefix "") with the v4 extension bundle', () => {
    const host = root('host.json');
    expect(host.version).toBe('2.0');
    expect(host.extensions.http.routePrefix).toBe('');
    expect(host.extensionBundle.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
  });

  it('package.json main names the CommonJS bundle that build:azure writes', () => {
    const pkg = root('package.json');
    expect(pkg.main).toBe('dist/azure/main.cjs');
    expect(pkg.scripts['build:azure']).toContain('functions/azure/build.ts');
  });
});
