import { hashSeed } from './prng.js'
import { SEED_EPOCH, type ArtifactRecord, type PackageRecord } from './seed.js'
import { zipArchive, type ZipArchive } from './zip.js'

/**
 * The generated content behind `$value`: an iFlow bundle (MANIFEST.MF, the .iflw, parameters and
 * a filler entry up to the requested size) and a package export. The bytes depend only on the
 * entity's id, name, version and the size, never on the clock.
 */

const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

export function artifactZip (artifact: ArtifactRecord, size: number): ZipArchive {
  const version = artifact.Version === 'Active' ? '1.0.0' : artifact.Version
  const manifest = [
    'Manifest-Version: 1.0',
    'Bundle-ManifestVersion: 2',
    `Bundle-Name: ${artifact.Name}`,
    `Bundle-SymbolicName: ${artifact.Id}; singleton:=true`,
    `Bundle-Version: ${version}`,
    'SAP-BundleType: IntegrationFlow',
    'SAP-NodeType: IFLMAP',
    'SAP-RuntimeProfile: iflmap',
    `Origin-Bundle-Name: ${artifact.Name}`,
    `Origin-Bundle-SymbolicName: ${artifact.Id}`,
    ''
  ].join('\r\n')
  const iflw = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:ifl="http:///com.sap.ifl.model/Ifl.xsd" id="Definitions_1">
  <bpmn2:collaboration id="Collaboration_1" name="Default Collaboration">
    <bpmn2:participant id="Participant_1" ifl:type="EndpointSender" name="${xml(artifact.Sender ?? 'Sender')}"/>
    <bpmn2:participant id="Participant_2" ifl:type="EndpointRecevier" name="${xml(artifact.Receiver ?? 'Receiver')}"/>
    <bpmn2:participant id="Participant_Process_1" ifl:type="IntegrationProcess" name="${xml(artifact.Name)}" processRef="Process_1"/>
  </bpmn2:collaboration>
  <bpmn2:process id="Process_1" name="Integration Process"/>
</bpmn2:definitions>
`
  const parameters = artifact.configurations.map(c => `${c.ParameterKey}=${c.ParameterValue.replace(/[\\:=]/g, m => `\\${m}`)}`).join('\n') + '\n'
  return zipArchive({
    entries: [
      { name: 'META-INF/MANIFEST.MF', data: Buffer.from(manifest) },
      { name: `src/main/resources/scenarioflows/integrationflow/${artifact.Id}.iflw`, data: Buffer.from(iflw) },
      { name: 'src/main/resources/parameters.prop', data: Buffer.from(parameters) }
    ],
    fillerName: 'src/main/resources/lib/sandbox-filler.bin',
    seed: hashSeed(`${artifact.Id}\u0000${version}`),
    targetSize: size,
    date: new Date(SEED_EPOCH)
  })
}

export function packageZip (pkg: PackageRecord, artifacts: ArtifactRecord[], size: number): ZipArchive {
  const index = JSON.stringify({ Id: pkg.Id, Name: pkg.Name, Version: pkg.Version, artifacts: artifacts.map(a => ({ Id: a.Id, Version: a.Version, Name: a.Name })) }, null, 2)
  return zipArchive({
    entries: [{ name: 'contentmetadata.json', data: Buffer.from(index) }],
    fillerName: 'resources.bin',
    seed: hashSeed(`package\u0000${pkg.Id}`),
    targetSize: size,
    date: new Date(SEED_EPOCH)
  })
}
