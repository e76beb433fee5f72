import { NAMESPACE, complexTypes, entitySets, entityTypes, functionImports, type PropertyDef } from './model.js'
import { ATOM_NS, METADATA_NS, xmlEscape } from './odata.js'

/** The `$metadata` EDMX document and the service document, both generated from the model. */

function propertyXml (p: PropertyDef): string {
  const type = complexTypes[p.type] !== undefined ? `${NAMESPACE}.${p.type}` : p.type
  return `<Property Name="${p.name}" Type="${type}" Nullable="${p.nullable === false ? 'false' : 'true'}"/>`
}

function setOf (typeName: string): string {
  return Object.entries(entitySets).find(([, t]) => t === typeName)?.[0] ?? typeName
}

export function metadataDocument (): string {
  const associations: string[] = []
  const associationSets: string[] = []
  const types = Object.values(entityTypes).map(t => {
    const navs = t.navs.map(n => {
      const assoc = `${t.name}_${n.name}`
      associations.push(
        `<Association Name="${assoc}"><End Type="${NAMESPACE}.${t.name}" Multiplicity="1" Role="From_${t.name}"/>` +
        `<End Type="${NAMESPACE}.${n.target}" Multiplicity="${n.many ? '*' : '0..1'}" Role="To_${n.target}"/></Association>`
      )
      associationSets.push(
        `<AssociationSet Name="${assoc}_Set" Association="${NAMESPACE}.${assoc}"><End EntitySet="${setOf(t.name)}" Role="From_${t.name}"/>` +
        `<End EntitySet="${setOf(n.target)}" Role="To_${n.target}"/></AssociationSet>`
      )
      return `<NavigationProperty Name="${n.name}" Relationship="${NAMESPACE}.${assoc}" FromRole="From_${t.name}" ToRole="To_${n.target}"/>`
    }).join('')
    const key = t.key.map(k => `<PropertyRef Name="${k}"/>`).join('')
    return `<EntityType Name="${t.name}"${t.media === true ? ' m:HasStream="true"' : ''}><Key>${key}</Key>${t.properties.map(propertyXml).join('')}${navs}</EntityType>`
  }).join('')
  const complex = Object.values(complexTypes).map(c => `<ComplexType Name="${c.name}">${c.properties.map(propertyXml).join('')}</ComplexType>`).join('')
  const sets = Object.entries(entitySets).map(([name, type]) => `<EntitySet Name="${name}" EntityType="${NAMESPACE}.${type}"/>`).join('')
  const functions = Object.values(functionImports).map(f =>
    `<FunctionImport Name="${f.name}" ReturnType="${f.returnType}" m:HttpMethod="${f.httpMethod}">` +
    f.parameters.map(p => `<Parameter Name="${p}" Type="Edm.String" Mode="In"/>`).join('') + '</FunctionImport>'
  ).join('')
  return '<?xml version="1.0" encoding="utf-8"?>' +
    `<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"><edmx:DataServices m:DataServiceVersion="2.0" xmlns:m="${METADATA_NS}">` +
    `<Schema Namespace="${NAMESPACE}" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">${types}${complex}${associations.join('')}` +
    `<EntityContainer Name="${NAMESPACE.replace(/\./g, '_')}_Container" m:IsDefaultEntityContainer="true">${sets}${associationSets.join('')}${functions}</EntityContainer>` +
    '</Schema></edmx:DataServices></edmx:Edmx>'
}

export function serviceDocumentJson (): string {
  return JSON.stringify({ d: { EntitySets: Object.keys(entitySets) } })
}

export function serviceDocumentXml (root: string): string {
  const collections = Object.keys(entitySets).map(name => `<collection href="${name}"><atom:title>${name}</atom:title></collection>`).join('')
  return '<?xml version="1.0" encoding="utf-8"?>' +
    `<service xml:base="${xmlEscape(root)}" xmlns="http://www.w3.org/2007/app" xmlns:atom="${ATOM_NS}"><workspace><atom:title>Default</atom:title>${collections}</workspace></service>`
}
