import { Prng } from './prng.js'

/**
 * The sandbox tenant's deterministic data set: the same options give the same data, byte for
 * byte, on every start. Field names and value shapes are those of SAP's API: package
 * CreationDate/ModifiedDate and artifact CreatedAt/ModifiedAt are epoch milliseconds as strings
 * (some null); DateTime fields (DeployedOn, LogStart, LogEnd) are kept as epoch ms and emitted as
 * `/Date(ms)/` by the serializer.
 *
 * Shape of the data, relied upon by tests:
 * - every 5th package (index 2, 7, 12, …) holds one or two draft iFlows (`Version: "Active"`), so
 *   its `$value` export fails like SAP's does; the other packages have no drafts;
 * - about half of the iFlows are deployed; at least one runtime artifact is `ERROR`;
 * - ids use only letters, digits, dots and underscores.
 */

export interface PackageRecord {
  Id: string
  Name: string
  ResourceId: string | null
  Description: string | null
  ShortText: string
  Version: string | null
  Vendor: string | null
  PartnerContent: boolean
  UpdateAvailable: boolean
  Mode: string | null
  SupportedPlatform: string | null
  ModifiedBy: string | null
  CreationDate: string | null
  ModifiedDate: string | null
  CreatedBy: string | null
  Products: string | null
  Keywords: string | null
  Countries: string | null
  Industries: string | null
  LineOfBusiness: string | null
}

export interface ConfigurationRecord {
  ParameterKey: string
  ParameterValue: string
  DataType: string
  Description: string
}

export interface UploadedContent {
  bytes: number
  sha256: string
}

export interface ArtifactRecord {
  Id: string
  Version: string
  PackageId: string
  Name: string
  Description: string | null
  Sender: string | null
  Receiver: string | null
  CreatedBy: string | null
  CreatedAt: string | null
  ModifiedBy: string | null
  ModifiedAt: string | null
  ArtifactContent: null
  configurations: ConfigurationRecord[]
  /** Hash and size of the last content uploaded for it (the content itself is not kept). */
  content?: UploadedContent
}

export interface RuntimeRecord {
  Id: string
  Version: string | null
  Name: string | null
  Type: string
  DeployedBy: string | null
  DeployedOn: number | null
  Status: string
  errorText?: string
}

export interface IntegrationArtifactValue {
  Id: string
  Name: string
  Type: string
  PackageId: string
  PackageName: string
}

export interface MessageLogRecord {
  MessageGuid: string
  CorrelationId: string
  ApplicationMessageId: string | null
  ApplicationMessageType: string | null
  LogStart: number
  LogEnd: number | null
  Sender: string | null
  Receiver: string | null
  IntegrationFlowName: string
  Status: string
  AlternateWebLink: string
  IntegrationArtifact: IntegrationArtifactValue
  LogLevel: string
  CustomStatus: string
  ArchivingStatus: string
  ArchivingSenderChannelMessages: string
  ArchivingReceiverChannelMessages: string
  ArchivingLogAttachments: string
  ArchivingPersistedMessages: string
  TransactionId: string
  PreviousComponentName: string | null
  LocalComponentName: string
  OriginComponentName: string | null
}

export interface SeedData {
  packages: PackageRecord[]
  artifacts: ArtifactRecord[]
  runtime: RuntimeRecord[]
  logs: MessageLogRecord[]
}

export interface SeedOptions {
  packageCount: number
  messageLogCount: number
  seed?: number
}

/** The reference clock of the data set: 2025-06-02T08:00:00Z. All seeded dates lie before it. */
export const SEED_EPOCH = Date.UTC(2025, 5, 2, 8, 0, 0)
const DAY = 86_400_000

const DOMAINS = ['com.acme', 'com.contoso', 'org.example', 'de.muster', 'com.initech']
const AREAS = [
  'sales_orders', 'invoices', 'employee_master', 'purchase_orders', 'customer_replication',
  'material_master', 'payroll', 'shipment_tracking', 'bank_statements', 'price_lists', 'inventory',
  'time_sheets', 'credit_memos', 'supplier_onboarding', 'tax_reporting', 'leads', 'service_tickets',
  'goods_receipts', 'cost_centers', 'travel_expenses'
]
const STANDARD = [
  ['SAPS4HANAIntegrationWithSalesforce', 'SAP S/4HANA Integration with Salesforce'],
  ['ERPtoSuccessFactorsEmployeeCentral', 'ERP to SAP SuccessFactors Employee Central'],
  ['SAPAribaIntegrationWithSAPS4HANA', 'SAP Ariba Integration with SAP S/4HANA'],
  ['SAPConcurIntegrationWithSAPERP', 'SAP Concur Integration with SAP ERP'],
  ['eDocumentElectronicInvoicingForItaly', 'eDocument: Electronic Invoicing for Italy']
] as const
const FLOW_WORDS = ['replicate', 'sync', 'inbound', 'outbound', 'ack', 'error_handler', 'monitor', 'mapping', 'poll', 'notify', 'archive', 'split']
const SYSTEMS = ['S4HANA', 'Salesforce', 'SuccessFactors', 'Ariba', 'Concur', 'SFTP', 'Kafka', 'ServiceNow', '']
const USERS = ['jane.doe@acme.example', 'john.smith@acme.example', 'P2000096929', 'sb-cicd!b7|it!b2', 'maria.garcia@acme.example']
const DATA_TYPES = ['xsd:string', 'xsd:string', 'xsd:integer', 'xsd:boolean', 'custom:schedule']
const STATUSES: Array<[string, number]> = [
  ['COMPLETED', 0.80], ['FAILED', 0.10], ['PROCESSING', 0.03], ['RETRY', 0.03], ['ESCALATED', 0.02],
  ['CANCELLED', 0.01], ['DISCARDED', 0.01]
]
const GUID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function title (word: string): string {
  return word.split('_').map(w => w.charAt(0).toUpperCase() + w.slice(1)).join(' ')
}

function epochString (rng: Prng, from: number, to: number, nullChance: number): string | null {
  if (rng.chance(nullChance)) return null
  return String(rng.int(from, to))
}

export function generateSeed (options: SeedOptions): SeedData {
  const rng = new Prng(options.seed ?? 0x5a9d_b0c5)
  const packages: PackageRecord[] = []
  const artifacts: ArtifactRecord[] = []
  const runtime: RuntimeRecord[] = []
  const packageIds = new Set<string>()
  const artifactIds = new Set<string>()

  for (let i = 0; i < options.packageCount; i++) {
    const standard = i % 4 === 3 ? STANDARD[(i >> 2) % STANDARD.length] : undefined
    const area = AREAS[i % AREAS.length] ?? 'misc'
    let id = standard !== undefined ? standard[0] : `${DOMAINS[i % DOMAINS.length] ?? 'com.acme'}.${area}`
    for (let n = 2; packageIds.has(id); n++) id = `${standard?.[0] ?? `${DOMAINS[i % DOMAINS.length] ?? 'com.acme'}.${area}`}_${n}`
    packageIds.add(id)
    const created = rng.int(SEED_EPOCH - 900 * DAY, SEED_EPOCH - 200 * DAY)
    const name = standard !== undefined ? standard[1] : `${title(area)} (${(DOMAINS[i % DOMAINS.length] ?? '').split('.')[1] ?? 'acme'})`
    packages.push({
      Id: id,
      Name: name,
      ResourceId: rng.chars('0123456789abcdef', 32),
      Description: standard !== undefined
        ? `<p>This integration package enables you to integrate <strong>${name}</strong>.</p>\n<p>Note: You are only allowed to configure the content as described in the guide.&nbsp;</p>`
        : `<p>Flows for <b>${title(area).toLowerCase()}</b> between our systems &amp; partners.</p>`,
      ShortText: standard !== undefined ? `Integrates ${name}` : `${title(area)} flows`,
      Version: standard !== undefined ? `1.0.${rng.int(0, 30)}` : '',
      Vendor: standard !== undefined ? 'SAP' : '',
      PartnerContent: false,
      UpdateAvailable: standard !== undefined && rng.chance(0.3),
      Mode: standard !== undefined ? 'READ_ONLY' : 'EDIT_ALLOWED',
      SupportedPlatform: '[SAP Cloud Integration]',
      ModifiedBy: rng.pick(USERS),
      CreationDate: rng.chance(0.08) ? null : String(created),
      ModifiedDate: rng.chance(0.08) ? null : String(created + rng.int(0, 150 * DAY)),
      CreatedBy: rng.pick(USERS),
      Products: standard !== undefined ? '[SAP S/4HANA, SAP ERP]' : '[]',
      Keywords: standard !== undefined ? '[Standard Content]' : '[]',
      Countries: '[]',
      Industries: '[]',
      LineOfBusiness: standard !== undefined ? '[Finance]' : '[]'
    })

    const flowCount = rng.int(3, 9)
    const draftCount = i % 5 === 2 ? rng.int(1, 2) : 0
    for (let f = 0; f < flowCount; f++) {
      const word = FLOW_WORDS[(f + i) % FLOW_WORDS.length] ?? 'flow'
      let flowId = rng.chance(0.2) ? `IF_${title(area).replace(/ /g, '')}_${title(word).replace(/ /g, '')}` : `${id}.${word}`
      for (let n = 2; artifactIds.has(flowId); n++) flowId = `${flowId.replace(/_v\d+$/, '')}_v${n}`
      artifactIds.add(flowId)
      const draft = f < draftCount
      const createdAt = rng.int(created, SEED_EPOCH - 30 * DAY)
      const configurations: ConfigurationRecord[] = []
      const configCount = rng.int(0, 6)
      for (let c = 0; c < configCount; c++) {
        const dataType = rng.pick(DATA_TYPES)
        configurations.push({
          ParameterKey: c === 0 ? 'Receiver_Address' : `${title(word).replace(/ /g, '')}_Param${c}`,
          ParameterValue: dataType === 'xsd:integer' ? String(rng.int(1, 500)) : dataType === 'xsd:boolean' ? String(rng.chance(0.5)) : dataType === 'custom:schedule' ? '<row><cell>dateType</cell><cell>DAILY</cell></row>' : c === 0 ? `https://${area.replace(/_/g, '-')}.example.com/api` : `value_${rng.chars('abcdefghijklmnop', 6)}`,
          DataType: dataType,
          Description: c % 2 === 0 ? '' : `Parameter ${c} of ${word}`
        })
      }
      const artifact: ArtifactRecord = {
        Id: flowId,
        Version: draft ? 'Active' : `${rng.int(1, 2)}.${rng.int(0, 4)}.${rng.int(0, 12)}`,
        PackageId: id,
        Name: `${title(area)} ${title(word)}`,
        Description: rng.chance(0.3) ? ' ' : `${title(word)} of ${title(area).toLowerCase()}`,
        Sender: rng.pick(SYSTEMS),
        Receiver: rng.pick(SYSTEMS),
        CreatedBy: rng.pick(USERS),
        CreatedAt: epochString(rng, createdAt, createdAt, 0.1),
        ModifiedBy: rng.pick(USERS),
        ModifiedAt: epochString(rng, createdAt, SEED_EPOCH - DAY, 0.1),
        ArtifactContent: null,
        configurations
      }
      artifacts.push(artifact)

      if (rng.chance(draft ? 0.3 : 0.55)) {
        const roll = rng.next()
        const status = roll < 0.85 ? 'STARTED' : roll < 0.95 ? 'ERROR' : 'STARTING'
        runtime.push({
          Id: flowId,
          Version: draft ? '1.0.0' : artifact.Version,
          Name: artifact.Name,
          Type: 'INTEGRATION_FLOW',
          DeployedBy: rng.pick(USERS),
          DeployedOn: rng.int(createdAt, SEED_EPOCH - DAY),
          Status: status
        })
      }
    }
  }

  // Keep the promises of the header whatever the size: one ERROR and one STARTED artifact.
  if (runtime.length > 1 && !runtime.some(r => r.Status === 'ERROR')) (runtime[1] as RuntimeRecord).Status = 'ERROR'
  if (runtime.length > 0 && !runtime.some(r => r.Status === 'STARTED')) (runtime[0] as RuntimeRecord).Status = 'STARTED'
  for (const r of runtime) {
    if (r.Status === 'ERROR') r.errorText = errorInformation(r.Id, rng)
  }

  return { packages, artifacts, runtime, logs: generateLogs(rng, options.messageLogCount, artifacts, runtime, packages) }
}

function errorInformation (id: string, rng: Prng): string {
  return JSON.stringify({
    message: {
      subsystemName: 'IFLMAP',
      subsystemPartName: 'Bundle Activation',
      messageId: 'RUNTIME_BUNDLE_ACTIVATION_FAILED',
      parameters: [`Failed to create route ${id}: unresolved placeholder {{Receiver_Address}} (${rng.chars('0123456789', 4)})`]
    },
    parameter: [],
    childInstances: []
  })
}

function generateLogs (rng: Prng, count: number, artifacts: ArtifactRecord[], runtime: RuntimeRecord[], packages: PackageRecord[]): MessageLogRecord[] {
  const logs: MessageLogRecord[] = []
  const byId = new Map(artifacts.map(a => [a.Id, a]))
  const packageNames = new Map(packages.map(p => [p.Id, p.Name]))
  const sources = runtime.length > 0 ? runtime.map(r => r.Id) : artifacts.map(a => a.Id)
  if (sources.length === 0) return logs
  const span = 14 * DAY
  const guids = new Set<string>()
  for (let i = 0; i < count; i++) {
    const flowId = rng.pick(sources)
    const flow = byId.get(flowId)
    let guid = `AF${rng.chars(GUID_ALPHABET, 26)}`
    while (guids.has(guid)) guid = `AF${rng.chars(GUID_ALPHABET, 26)}`
    guids.add(guid)
    const start = SEED_EPOCH - span + Math.floor((span * i) / Math.max(count, 1)) + rng.int(0, 999)
    let roll = rng.next()
    let status = 'COMPLETED'
    for (const [name, p] of STATUSES) {
      if (roll < p) { status = name; break }
      roll -= p
    }
    logs.push({
      MessageGuid: guid,
      CorrelationId: `AF${rng.chars(GUID_ALPHABET, 26)}`,
      ApplicationMessageId: rng.chance(0.2) ? `ORDER-${rng.int(100000, 999999)}` : null,
      ApplicationMessageType: null,
      LogStart: start,
      LogEnd: status === 'PROCESSING' ? null : start + rng.int(20, 5000),
      Sender: flow?.Sender === '' ? null : flow?.Sender ?? null,
      Receiver: flow?.Receiver === '' ? null : flow?.Receiver ?? null,
      IntegrationFlowName: flowId,
      Status: status,
      AlternateWebLink: `/itspaces/shell/monitoring/MessageDetails/%7B%22messageGuid%22%3A%22${guid}%22%7D`,
      IntegrationArtifact: {
        Id: flowId,
        Name: flow?.Name ?? flowId,
        Type: 'INTEGRATION_FLOW',
        PackageId: flow?.PackageId ?? '',
        PackageName: packageNames.get(flow?.PackageId ?? '') ?? ''
      },
      LogLevel: 'INFO',
      CustomStatus: status,
      ArchivingStatus: 'NOT_RELEVANT',
      ArchivingSenderChannelMessages: 'false',
      ArchivingReceiverChannelMessages: 'false',
      ArchivingLogAttachments: 'false',
      ArchivingPersistedMessages: 'false',
      TransactionId: rng.chars('0123456789abcdef', 32),
      PreviousComponentName: 'CPI_sandbox',
      LocalComponentName: 'CPI_sandbox',
      OriginComponentName: null
    })
  }
  return logs
}
