import { Router } from './router';
import { machineItem, machinesCollection } from './handlers/machines';
import { interfaceItem, interfacesCollection } from './handlers/interfaces';
import { blockDeviceItem, blockDevicesCollection, partitionItem, partitionsCollection, volumeGroupItem, volumeGroupsCollection } from './handlers/storage';
import {
  domainsCollection,
  fabricItem,
  fabricsCollection,
  ipRangeItem,
  ipRangesCollection,
  staticRouteItem,
  staticRoutesCollection,
  subnetItem,
  subnetsCollection,
  vlanItem,
  vlansCollection,
} from './handlers/network';
import {
  account,
  bootResources,
  nodeResults,
  rackController,
  rackControllers,
  repositories,
  repository,
  sshKeyItem,
  sshKeys,
  tagItem,
  tagsCollection,
  version,
} from './handlers/region';

/** The MaaS 2.0 endpoints Drydock uses, relative to /MAAS/api/2.0/. */
export function maasRoutes(): Router {
  return new Router()
    .add('version/', version)
    .add('account/', account)
    .add('account/prefs/sshkeys/', sshKeys)
    .add('account/prefs/sshkeys/:id/', sshKeyItem)
    .add('boot-resources/', bootResources)
    .add('rackcontrollers/', rackControllers)
    .add('rackcontrollers/:id/', rackController)
    .add('machines/', machinesCollection)
    .add('machines/:id/', machineItem)
    .add('nodes/:id/interfaces/', interfacesCollection)
    .add('nodes/:id/interfaces/:iid/', interfaceItem)
    .add('nodes/:id/blockdevices/', blockDevicesCollection)
    .add('nodes/:id/blockdevices/:bid/', blockDeviceItem)
    .add('nodes/:id/blockdevices/:bid/partitions/', partitionsCollection)
    .add('nodes/:id/blockdevices/:bid/partition/:pid', partitionItem)
    .add('nodes/:id/volume-groups/', volumeGroupsCollection)
    .add('nodes/:id/volume-group/:vid/', volumeGroupItem)
    .add('fabrics/', fabricsCollection)
    .add('fabrics/:fid/', fabricItem)
    .add('fabrics/:fid/vlans/', vlansCollection)
    .add('fabrics/:fid/vlans/:vid/', vlanItem)
    .add('subnets/', subnetsCollection)
    .add('subnets/:id/', subnetItem)
    .add('ipranges/', ipRangesCollection)
    .add('ipranges/:id/', ipRangeItem)
    .add('static-routes/', staticRoutesCollection)
    .add('static-routes/:id/', staticRouteItem)
    .add('domains/', domainsCollection)
    .add('tags/', tagsCollection)
    .add('tags/:name/', tagItem)
    .add('package-repositories/', repositories)
    .add('package-repositories/:id/', repository)
    .add('commissioning-results/', nodeResults)
    .add('installation-results/', nodeResults);
}
