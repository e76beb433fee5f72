/**
 * The EDM model of the entity sets the sandbox serves. One description drives the JSON and Atom
 * serializers, `$select`/`$filter`/`$orderby` checks and the `$metadata` document.
 * Property lists follow SAP's Business Hub specs plus the properties real tenants return that the
 * specs leave out (see ../../shared/docs/sap-cloud-integration-api.md).
 */

export const NAMESPACE = 'com.sap.hci.api'

export type EdmType = 'Edm.String' | 'Edm.Boolean' | 'Edm.DateTime' | 'Edm.Int32'

export interface PropertyDef {
  name: string
  /** An Edm primitive type, or the name of a complex type in `complexTypes`. */
  type: EdmType | 'IntegrationArtifact'
  nullable?: boolean
  /** The stored value is a path on the tenant host; it is emitted as an absolute url. */
  origin?: boolean
}

export interface NavDef {
  name: string
  target: string
  many: boolean
}

export interface EntityTypeDef {
  name: string
  key: string[]
  properties: PropertyDef[]
  navs: NavDef[]
  media?: boolean
}

export interface ComplexTypeDef {
  name: string
  properties: PropertyDef[]
}

const s = (name: string, nullable = true): PropertyDef => ({ name, type: 'Edm.String', nullable })
const b = (name: string): PropertyDef => ({ name, type: 'Edm.Boolean', nullable: true })
const dt = (name: string): PropertyDef => ({ name, type: 'Edm.DateTime', nullable: true })

export const complexTypes: Record<string, ComplexTypeDef> = {
  IntegrationArtifact: {
    name: 'IntegrationArtifact',
    properties: [s('Id'), s('Name'), s('Type'), s('PackageId'), s('PackageName')]
  }
}

export const entityTypes: Record<string, EntityTypeDef> = {
  IntegrationPackage: {
    name: 'IntegrationPackage',
    key: ['Id'],
    media: true,
    properties: [
      s('Id', false), s('Name', false), s('ResourceId'), s('Description'), s('ShortText'), s('Version'),
      s('Vendor'), b('PartnerContent'), b('UpdateAvailable'), s('Mode'), s('SupportedPlatform'),
      s('ModifiedBy'), s('CreationDate'), s('ModifiedDate'), s('CreatedBy'), s('Products'), s('Keywords'),
      s('Countries'), s('Industries'), s('LineOfBusiness')
    ],
    navs: [{ name: 'IntegrationDesigntimeArtifacts', target: 'IntegrationDesigntimeArtifact', many: true }]
  },
  IntegrationDesigntimeArtifact: {
    name: 'IntegrationDesigntimeArtifact',
    key: ['Id', 'Version'],
    media: true,
    properties: [
      s('Id', false), s('Version', false), s('PackageId'), s('Name'), s('Description'), s('Sender'),
      s('Receiver'), s('CreatedBy'), s('CreatedAt'), s('ModifiedBy'), s('ModifiedAt'), s('ArtifactContent')
    ],
    navs: [{ name: 'Configurations', target: 'Configuration', many: true }]
  },
  Configuration: {
    name: 'Configuration',
    key: ['ParameterKey'],
    properties: [s('ParameterKey', false), s('ParameterValue'), s('DataType'), s('Description')],
    navs: []
  },
  IntegrationRuntimeArtifact: {
    name: 'IntegrationRuntimeArtifact',
    key: ['Id'],
    properties: [s('Id', false), s('Version'), s('Name'), s('Type'), s('DeployedBy'), dt('DeployedOn'), s('Status')],
    navs: [{ name: 'ErrorInformation', target: 'RuntimeArtifactErrorInformation', many: false }]
  },
  RuntimeArtifactErrorInformation: {
    name: 'RuntimeArtifactErrorInformation',
    key: ['Id'],
    media: true,
    properties: [s('Id', false)],
    navs: []
  },
  BuildAndDeployStatus: {
    name: 'BuildAndDeployStatus',
    key: ['TaskId'],
    properties: [s('TaskId', false), s('Status')],
    navs: []
  },
  MessageProcessingLog: {
    name: 'MessageProcessingLog',
    key: ['MessageGuid'],
    properties: [
      s('MessageGuid', false), s('CorrelationId'), s('ApplicationMessageId'), s('ApplicationMessageType'),
      dt('LogStart'), dt('LogEnd'), s('Sender'), s('Receiver'), s('IntegrationFlowName'), s('Status'),
      { name: 'AlternateWebLink', type: 'Edm.String', nullable: true, origin: true },
      { name: 'IntegrationArtifact', type: 'IntegrationArtifact', nullable: true },
      s('LogLevel'), s('CustomStatus'), s('ArchivingStatus'), s('ArchivingSenderChannelMessages'),
      s('ArchivingReceiverChannelMessages'), s('ArchivingLogAttachments'), s('ArchivingPersistedMessages'),
      s('TransactionId'), s('PreviousComponentName'), s('LocalComponentName'), s('OriginComponentName')
    ],
    navs: []
  }
}

/** Entity sets of the container, in service-document order. */
export const entitySets: Record<string, string> = {
  IntegrationPackages: 'IntegrationPackage',
  IntegrationDesigntimeArtifacts: 'IntegrationDesigntimeArtifact',
  Configurations: 'Configuration',
  IntegrationRuntimeArtifacts: 'IntegrationRuntimeArtifact',
  RuntimeArtifactErrorInformations: 'RuntimeArtifactErrorInformation',
  BuildAndDeployStatus: 'BuildAndDeployStatus',
  MessageProcessingLogs: 'MessageProcessingLog'
}

export interface FunctionImportDef {
  name: string
  httpMethod: 'POST' | 'GET'
  parameters: string[]
  returnType: string
}

export const functionImports: Record<string, FunctionImportDef> = {
  DeployIntegrationDesigntimeArtifact: {
    name: 'DeployIntegrationDesigntimeArtifact',
    httpMethod: 'POST',
    parameters: ['Id', 'Version'],
    returnType: 'Edm.String'
  }
}

export function entityType (name: string): EntityTypeDef {
  const type = entityTypes[name]
  if (type === undefined) throw new Error(`unknown entity type ${name}`)
  return type
}

export function findProperty (type: EntityTypeDef | ComplexTypeDef, name: string): PropertyDef | undefined {
  return type.properties.find(p => p.name === name)
}
