/**
 * Example answers for the OpenAPI document, taken from the built-in sandbox tenant (default
 * seed). None of them holds a credential: the docs test checks that.
 */

const salesforcePackage = {
  id: 'SAPS4HANAIntegrationWithSalesforce',
  name: 'SAP S/4HANA Integration with Salesforce',
  description: '<p>This integration package enables you to integrate <strong>SAP S/4HANA Integration with Salesforce</strong>.</p>',
  shortText: 'Integrates SAP S/4HANA Integration with Salesforce',
  version: '1.0.0',
  vendor: 'SAP',
  mode: 'READ_ONLY',
  partnerContent: false,
  updateAvailable: true,
  createdBy: 'jane.doe@acme.example',
  createdAt: '2023-02-26T20:38:38.590Z',
  modifiedBy: 'P2000096929',
  modifiedAt: '2023-03-31T05:39:57.765Z'
}

const deployedIFlow = {
  id: 'com.acme.sales_orders.sync',
  version: '1.3.5',
  packageId: 'com.acme.sales_orders',
  name: 'Sales Orders Sync',
  description: ' ',
  sender: 'ServiceNow',
  receiver: 'Ariba',
  createdBy: 'john.smith@acme.example',
  createdAt: '2025-02-25T23:08:53.076Z',
  modifiedBy: 'jane.doe@acme.example',
  modifiedAt: null,
  isDraft: false,
  runtime: { status: 'STARTED', version: '1.3.5', deployedBy: 'P2000096929', deployedAt: '2025-05-15T14:48:29.608Z' }
}

const draftIFlow = {
  id: 'org.example.employee_master.inbound',
  version: 'Active',
  packageId: 'org.example.employee_master',
  name: 'Employee Master Inbound',
  description: ' ',
  sender: 'S4HANA',
  receiver: 'Concur',
  createdBy: 'maria.garcia@acme.example',
  createdAt: '2023-07-24T17:48:50.779Z',
  modifiedBy: 'maria.garcia@acme.example',
  modifiedAt: '2024-03-27T13:56:46.109Z',
  isDraft: true,
  runtime: null
}

const salesforceIFlow = {
  id: 'SAPS4HANAIntegrationWithSalesforce.outbound',
  version: '1.2.1',
  packageId: 'SAPS4HANAIntegrationWithSalesforce',
  name: 'Purchase Orders Outbound',
  description: ' ',
  sender: 'SFTP',
  receiver: 'Salesforce',
  createdBy: 'sb-cicd!b7|it!b2',
  createdAt: '2024-11-08T13:02:50.827Z',
  modifiedBy: 'maria.garcia@acme.example',
  modifiedAt: '2024-11-25T20:29:34.000Z',
  isDraft: false,
  runtime: { status: 'STARTED', version: '1.2.1', deployedBy: 'jane.doe@acme.example', deployedAt: '2025-02-15T01:07:24.455Z' }
}

const packageWithIFlows = { ...salesforcePackage, iflows: [salesforceIFlow] }

export const Examples = {
  packageList: { count: 25, packages: [salesforcePackage] },
  packageWithIFlows,
  iflowList: { count: 137, iflows: [deployedIFlow, draftIFlow] },
  iflowDetail: {
    ...deployedIFlow,
    configurations: [
      { key: 'Receiver_Address', value: 'false', dataType: 'xsd:boolean' },
      { key: 'Sync_Param1', value: '415', dataType: 'xsd:integer' },
      { key: 'Sync_Param2', value: 'value_hakpam', dataType: 'xsd:string' }
    ]
  },
  tenantData: {
    tenant: 'sandbox',
    fetchedAt: '2026-12-04T06:17:23.056Z',
    counts: { packages: 25, iflows: 137, deployed: 79 },
    packages: [packageWithIFlows]
  },
  tokenStatus: {
    hasToken: true,
    expiresAt: '2026-12-04T18:17:16.326Z',
    expiresInSeconds: 43192,
    lastRefreshAt: '2026-12-04T06:17:17.345Z',
    refreshCount: 1,
    lastError: null
  },
  config: {
    tenant: { label: 'sandbox', sandbox: true, baseUrl: 'http://127.0.0.1:40329', tokenUrl: 'http://127.0.0.1:40329/oauth/token', clientId: 'sb-s***b2' },
    settings: { SAP_BASE_URL: null, SAP_CLIENT_ID: null, SAP_TIMEOUT_MS: 30000, SAP_MAX_RPS: 10, SAP_CACHE_TTL_MS: 0, SAP_ALLOWED_HOSTS: '*.hana.ondemand.com,*.cloud.sap', ENVIRONMENT: 'development', DOCS_ENABLED: true }
  },
  connectionTest: [
    { success: true, token: { ok: true, latencyMs: 41 }, api: { ok: true, latencyMs: 78, status: 200 }, message: 'Connected: token obtained, IntegrationPackages?$top=1 answered 200' },
    { success: false, token: { ok: false, latencyMs: 35 }, api: { ok: false, latencyMs: null, status: null }, message: 'No token: token endpoint answered 401 invalid_client' }
  ]
}
