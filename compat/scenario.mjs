// The RAC scenario, written once and run with every client. What differs between client
// versions is only which method a step calls (ADAPTERS below) and which request members
// the client's own request models have (written when present, then read back).
import { NotApplicable, need } from './lib/harness.mjs';

/**
 * Per-version adapter table: each row applies from its client version on, until a later
 * row overrides a key. `mappings` is the method-name prefix of the RAC property-mapping
 * operations, `assign` the suffix of the permission-assign methods; `userPermissions`
 * whether the client can assign permissions to a user directly, `roleUsers` whether it
 * can give a role to a user (rbac/roles/{uuid}/add_user/).
 */
export const ADAPTERS = [
  { from: '2024.6.0-1720200294', mappings: 'propertymappingsRac', assign: 'AssignCreate', userPermissions: true, roleUsers: false },
  { from: '2024.6.4-1724423607', mappings: 'propertymappingsProviderRac', assign: 'Assign' },
  { from: '2025.12.6', userPermissions: false, roleUsers: true },
];

/** The adapter row in force for client `version` (versions are listed oldest first). */
export function adapterFor(clients, version) {
  const order = clients.map((c) => c.version);
  const at = order.indexOf(version);
  const merged = {};
  for (const row of ADAPTERS) if (order.indexOf(row.from) <= at) Object.assign(merged, row);
  return merged;
}

/**
 * Keys a client's schema calls required or non-null where authentik 2024.6 itself omits
 * them or answers null, so racd doing the same is no blank (see lib/harness.mjs).
 */
export const GENUINE = {
  'SessionUser.original': { kind: 'missing', reason: 'authentik sends it only while an administrator impersonates a user' },
  'Outpost.service_connection_obj': {
    kind: 'null',
    reason: 'the outpost has no service connection: authentik answers null too; clients before 2025.10 declare it non-null, later ones nullable',
  },
};

const VIEW_PROVIDER = 'authentik_providers_rac.view_racprovider';
const VIEW_FLOW = 'authentik_flows.view_flow';
const VIEW_ENDPOINT = 'authentik_providers_rac.view_endpoint';
const DENIED = [403, 404];

/**
 * Runs the scenario with one client (a ClientUnderTest). `tag` makes every name unique
 * to this client, since all clients share one racd.
 */
export async function runScenario(cut, adapter, tag) {
  const s = {};
  const pm = (op) => `${adapter.mappings}${op}`;
  const assignToUser = `rbacPermissionsAssignedByUsers${adapter.assign}`;
  const assignToRole = `rbacPermissionsAssignedByRoles${adapter.assign}`;
  const step = cut.step.bind(cut);

  // ---- flows ----
  await step('flow.create', async (st) => {
    const body = { name: `Authorize ${tag}`, slug: `authz-${tag}`, title: 'Authorize', designation: 'authorization' };
    if (cut.hasMember('FlowRequest', 'background')) body.background = `https://assets.example.com/${tag}/bg.png`;
    const f = await cut.call(st, 'flowsInstancesCreate', {}, body);
    cut.expectWritten(st, 'flow', f, body);
    s.flowPk = f.pk;
    s.flowSlug = f.slug;
  });
  await step('flow.retrieve', async (st) => {
    need(s, 'flowSlug');
    const f = await cut.call(st, 'flowsInstancesRetrieve', { slug: s.flowSlug });
    cut.expectEqual(st, 'flow.pk', f.pk, s.flowPk);
  });
  await step('flow.list', async (st) => {
    need(s, 'flowSlug');
    const page = await cut.call(st, 'flowsInstancesList', { slug: s.flowSlug });
    cut.expectEqual(st, 'flows?slug= results', page.results.map((f) => f.pk), [s.flowPk]);
  });
  await step('flow.update', async (st) => {
    need(s, 'flowSlug');
    const body = { name: `Authorize ${tag} v2`, slug: s.flowSlug, title: 'Authorize again', designation: 'authorization' };
    const f = await cut.call(st, 'flowsInstancesUpdate', { slug: s.flowSlug }, body);
    cut.expectWritten(st, 'flow', f, body);
  });
  await step('flow.partial_update', async (st) => {
    need(s, 'flowSlug');
    const body = { title: 'Authorize (patched)' };
    const f = await cut.call(st, 'flowsInstancesPartialUpdate', { slug: s.flowSlug }, body);
    cut.expectWritten(st, 'flow', f, body);
  });
  await step('flow.used_by', async (st) => {
    need(s, 'flowSlug');
    await cut.call(st, 'flowsInstancesUsedByList', { slug: s.flowSlug });
  });

  // ---- RAC property mappings ----
  const mappingBody = {
    name: `Map ${tag}`,
    expression: 'return {"client-name": "compat"}',
    staticSettings: { 'enable-wallpaper': 'true' },
  };
  await step('mapping.create', async (st) => {
    const m = await cut.call(st, pm('Create'), {}, mappingBody);
    cut.expectWritten(st, 'mapping', m, mappingBody);
    s.pmPk = m.pk;
  });
  await step('mapping.retrieve', async (st) => {
    need(s, 'pmPk');
    const m = await cut.call(st, pm('Retrieve'), { pmUuid: s.pmPk });
    cut.expectWritten(st, 'mapping', m, mappingBody);
  });
  await step('mapping.list', async (st) => {
    need(s, 'pmPk');
    const page = await cut.call(st, pm('List'), { search: `Map ${tag}`, ordering: 'name' });
    cut.expectEqual(st, 'mappings?search= results', page.results.map((m) => m.pk), [s.pmPk]);
  });
  await step('mapping.update', async (st) => {
    need(s, 'pmPk');
    const body = { ...mappingBody, name: `Map ${tag} v2`, staticSettings: { 'enable-wallpaper': 'false' } };
    const m = await cut.call(st, pm('Update'), { pmUuid: s.pmPk }, body);
    cut.expectWritten(st, 'mapping', m, body);
  });
  await step('mapping.partial_update', async (st) => {
    need(s, 'pmPk');
    const body = { expression: 'return {"client-name": "compat2"}' };
    const m = await cut.call(st, pm('PartialUpdate'), { pmUuid: s.pmPk }, body);
    cut.expectWritten(st, 'mapping', m, body);
  });
  await step('mapping.used_by', async (st) => {
    need(s, 'pmPk');
    await cut.call(st, pm('UsedByList'), { pmUuid: s.pmPk });
  });

  // ---- RAC providers ----
  await step('provider.create', async (st) => {
    need(s, 'flowPk');
    const body = {
      name: `Desktops ${tag} b`,
      authorizationFlow: s.flowPk,
      connectionExpiry: 'hours=2',
      settings: { 'resize-method': 'display-update' },
      deleteTokenOnDisconnect: true,
      propertyMappings: s.pmPk ? [s.pmPk] : [],
    };
    const p = await cut.call(st, 'providersRacCreate', {}, body);
    cut.expectWritten(st, 'provider', p, body);
    s.provPk = p.pk;
    // A second provider, for ordering and delete.
    const p2 = await cut.call(st, 'providersRacCreate', {}, { name: `Desktops ${tag} a`, authorizationFlow: s.flowPk });
    s.prov2Pk = p2.pk;
  });
  await step('provider.retrieve', async (st) => {
    need(s, 'provPk');
    const p = await cut.call(st, 'providersRacRetrieve', { id: s.provPk });
    cut.expectEqual(st, 'provider.name', p.name, `Desktops ${tag} b`);
    cut.expectEqual(st, 'provider.connectionExpiry', p.connectionExpiry, 'hours=2');
  });
  await step('provider.list', async (st) => {
    need(s, 'provPk', 'prov2Pk');
    const asc = await cut.call(st, 'providersRacList', { search: `Desktops ${tag}`, ordering: 'name' });
    cut.expectEqual(st, 'providers?search=&ordering=name', asc.results.map((p) => p.pk), [s.prov2Pk, s.provPk]);
    const desc = await cut.call(st, 'providersRacList', { search: `Desktops ${tag}`, ordering: '-name' });
    cut.expectEqual(st, 'providers?search=&ordering=-name', desc.results.map((p) => p.pk), [s.provPk, s.prov2Pk]);
    cut.expectEqual(st, 'pagination.count', asc.pagination.count, 2);
  });
  await step('provider.update', async (st) => {
    need(s, 'provPk', 'flowPk');
    const body = { name: `Desktops ${tag} b`, authorizationFlow: s.flowPk, connectionExpiry: 'hours=3', settings: { 'resize-method': 'reconnect' }, propertyMappings: s.pmPk ? [s.pmPk] : [] };
    const p = await cut.call(st, 'providersRacUpdate', { id: s.provPk }, body);
    cut.expectWritten(st, 'provider', p, body);
  });
  await step('provider.partial_update', async (st) => {
    need(s, 'provPk');
    const body = { connectionExpiry: 'minutes=90' };
    const p = await cut.call(st, 'providersRacPartialUpdate', { id: s.provPk }, body);
    cut.expectWritten(st, 'provider', p, body);
  });
  await step('provider.used_by', async (st) => {
    need(s, 'provPk');
    await cut.call(st, 'providersRacUsedByList', { id: s.provPk });
  });
  await step('provider.delete', async (st) => {
    need(s, 'prov2Pk');
    await cut.call(st, 'providersRacDestroy', { id: s.prov2Pk });
    await cut.expectStatus(st, 404, 'providersRacRetrieve', { id: s.prov2Pk });
  });

  // ---- endpoints ----
  await step('endpoint.create', async (st) => {
    need(s, 'provPk');
    const body = {
      name: `Desk ${tag}`,
      provider: s.provPk,
      protocol: 'rdp',
      host: '10.0.0.5:3389',
      settings: { 'ignore-cert': 'true' },
      authMode: 'prompt',
      maximumConnections: 5,
      propertyMappings: s.pmPk ? [s.pmPk] : [],
    };
    const e = await cut.call(st, 'racEndpointsCreate', {}, body);
    cut.expectWritten(st, 'endpoint', e, body);
    cut.expectEqual(st, 'endpoint.providerObj.pk', e.providerObj?.pk, s.provPk);
    s.epPk = e.pk;
  });
  await step('endpoint.retrieve', async (st) => {
    need(s, 'epPk');
    const e = await cut.call(st, 'racEndpointsRetrieve', { pbmUuid: s.epPk });
    cut.expectEqual(st, 'endpoint.host', e.host, '10.0.0.5:3389');
  });
  await step('endpoint.list', async (st) => {
    need(s, 'epPk');
    const page = await cut.call(st, 'racEndpointsList', { search: `Desk ${tag}` });
    cut.expectEqual(st, 'endpoints?search= results', page.results.map((e) => e.pk), [s.epPk]);
  });
  await step('endpoint.partial_update', async (st) => {
    need(s, 'epPk');
    const body = { maximumConnections: -1, protocol: 'vnc' };
    const e = await cut.call(st, 'racEndpointsPartialUpdate', { pbmUuid: s.epPk }, body);
    cut.expectWritten(st, 'endpoint', e, body);
  });
  await step('endpoint.used_by', async (st) => {
    need(s, 'epPk');
    await cut.call(st, 'racEndpointsUsedByList', { pbmUuid: s.epPk });
  });

  // ---- applications ----
  await step('application.create', async (st) => {
    need(s, 'provPk');
    const body = { name: `Desktops app ${tag}`, slug: `app-${tag}`, provider: s.provPk, metaLaunchUrl: 'https://rac.example.com/', metaDescription: 'Remote desktops', metaPublisher: 'compat', openInNewTab: true };
    if (cut.hasMember('ApplicationRequest', 'metaIcon')) body.metaIcon = `https://assets.example.com/${tag}/icon.png`;
    if (cut.hasMember('ApplicationRequest', 'metaHide')) body.metaHide = true;
    const a = await cut.call(st, 'coreApplicationsCreate', {}, body);
    cut.expectWritten(st, 'application', a, body);
    cut.expectEqual(st, 'application.providerObj.pk', a.providerObj?.pk, s.provPk);
    s.appSlug = a.slug;
  });
  await step('application.retrieve', async (st) => {
    need(s, 'appSlug');
    const a = await cut.call(st, 'coreApplicationsRetrieve', { slug: s.appSlug });
    cut.expectEqual(st, 'application.name', a.name, `Desktops app ${tag}`);
    const p = await cut.call(st, 'providersRacRetrieve', { id: s.provPk });
    cut.expectEqual(st, 'provider.assignedApplicationSlug', p.assignedApplicationSlug, s.appSlug);
    cut.expectEqual(st, 'provider.assignedApplicationName', p.assignedApplicationName, `Desktops app ${tag}`);
  });
  await step('application.list', async (st) => {
    need(s, 'appSlug');
    const page = await cut.call(st, 'coreApplicationsList', { search: `Desktops app ${tag}` });
    cut.expectEqual(st, 'applications?search= results', page.results.map((a) => a.slug), [s.appSlug]);
  });
  await step('application.partial_update', async (st) => {
    need(s, 'appSlug');
    const body = { metaDescription: 'Remote desktops (patched)' };
    if (cut.hasMember('PatchedApplicationRequest', 'metaHide')) body.metaHide = false;
    const a = await cut.call(st, 'coreApplicationsPartialUpdate', { slug: s.appSlug }, body);
    cut.expectWritten(st, 'application', a, body);
  });
  await step('application.used_by', async (st) => {
    need(s, 'appSlug');
    await cut.call(st, 'coreApplicationsUsedByList', { slug: s.appSlug });
  });

  // ---- outposts ----
  await step('outpost.create', async (st) => {
    need(s, 'provPk');
    const body = { name: `Outpost ${tag}`, type: 'rac', providers: [s.provPk], config: { log_level: 'info' } };
    const o = await cut.call(st, 'outpostsInstancesCreate', {}, body);
    cut.expectWritten(st, 'outpost', o, body);
    s.outpostPk = o.pk;
  });
  await step('outpost.retrieve', async (st) => {
    need(s, 'outpostPk');
    const o = await cut.call(st, 'outpostsInstancesRetrieve', { uuid: s.outpostPk });
    cut.expectEqual(st, 'outpost.providers', o.providers, [s.provPk]);
    const p = await cut.call(st, 'providersRacRetrieve', { id: s.provPk });
    cut.expectEqual(st, 'provider.outpostSet', p.outpostSet, [`Outpost Outpost ${tag}`]); // authentik lists str(outpost): "Outpost <name>"
  });
  await step('outpost.list', async (st) => {
    need(s, 'outpostPk');
    const page = await cut.call(st, 'outpostsInstancesList', { search: `Outpost ${tag}` });
    cut.expectEqual(st, 'outposts?search= results', page.results.map((o) => o.pk), [s.outpostPk]);
  });
  await step('outpost.partial_update', async (st) => {
    need(s, 'outpostPk');
    const body = { config: { log_level: 'debug' } };
    const o = await cut.call(st, 'outpostsInstancesPartialUpdate', { uuid: s.outpostPk }, body);
    cut.expectWritten(st, 'outpost', o, body);
  });
  await step('outpost.used_by', async (st) => {
    need(s, 'outpostPk');
    await cut.call(st, 'outpostsInstancesUsedByList', { uuid: s.outpostPk });
  });

  // ---- launch and connection tokens ----
  await step('launch', async (st) => {
    need(s, 'epPk');
    const out = await cut.raw(st, 'POST', `/rac/endpoints/${s.epPk}/launch/`, {});
    cut.expectEqual(st, 'launch.token length', typeof out.token === 'string' ? out.token.length : out.token, 60);
    // racd's own `url` (SPEC §4; authentik's launch has none) is checked when present.
    if (out.url !== undefined) cut.expectEqual(st, 'launch.url', out.url, `/if/rac/${out.token}/`);
    const ct = cut.mod.ConnectionTokenFromJSON(out.connection_token);
    cut.checkAnswer(st, 'ConnectionToken', false, ct, { ...cut.admin.last, body: JSON.stringify(out.connection_token) });
    cut.expectEqual(st, 'connection_token.endpoint', ct.endpoint, s.epPk);
    cut.expectEqual(st, 'connection_token.provider', ct.provider, s.provPk);
    s.ctPk = ct.pk;
  });
  await step('connection_token.retrieve', async (st) => {
    need(s, 'ctPk');
    const ct = await cut.call(st, 'racConnectionTokensRetrieve', { connectionTokenUuid: s.ctPk });
    cut.expectEqual(st, 'connection_token.endpointObj.name', ct.endpointObj?.name, `Desk ${tag}`);
    cut.expectEqual(st, 'connection_token.user.username', ct.user?.username, 'akadmin');
  });
  await step('connection_token.list', async (st) => {
    need(s, 'ctPk', 'epPk');
    const page = await cut.call(st, 'racConnectionTokensList', { endpoint: s.epPk });
    cut.expectEqual(st, 'connection_tokens?endpoint= results', page.results.map((c) => c.pk), [s.ctPk]);
  });
  await step('connection_token.used_by', async (st) => {
    need(s, 'ctPk');
    await cut.call(st, 'racConnectionTokensUsedByList', { connectionTokenUuid: s.ctPk });
  });
  await step('connection_token.delete', async (st) => {
    need(s, 'ctPk');
    await cut.call(st, 'racConnectionTokensDestroy', { connectionTokenUuid: s.ctPk });
    await cut.expectStatus(st, 404, 'racConnectionTokensRetrieve', { connectionTokenUuid: s.ctPk });
  });

  // ---- users/me, roles, users, groups, tokens ----
  await step('users.me', async (st) => {
    const me = await cut.call(st, 'coreUsersMeRetrieve');
    cut.expectEqual(st, 'me.user.username', me.user?.username, 'akadmin');
    cut.expectEqual(st, 'me.user.isSuperuser', me.user?.isSuperuser, true);
    if (me.users !== undefined) cut.expectEqual(st, 'me.users contains the current user', me.users.some((u) => u.pk === me.user.pk), true);
  });
  await step('role.create', async (st) => {
    const r = await cut.call(st, 'rbacRolesCreate', {}, { name: `Role ${tag}` });
    cut.expectEqual(st, 'role.name', r.name, `Role ${tag}`);
    s.rolePk = r.pk;
    const r2 = await cut.call(st, 'rbacRolesCreate', {}, { name: `Direct ${tag}` });
    s.role2Pk = r2.pk;
    const r3 = await cut.call(st, 'rbacRolesCreate', {}, { name: `Member ${tag}` });
    s.role3Pk = r3.pk;
  });
  await step('role.list', async (st) => {
    need(s, 'rolePk');
    const page = await cut.call(st, 'rbacRolesList', { search: `Role ${tag}` });
    cut.expectEqual(st, 'roles?search= results', page.results.map((r) => r.pk), [s.rolePk]);
    if (cut.ops.byName.get('rbacRolesList').query.includes('name')) {
      const byName = await cut.call(st, 'rbacRolesList', { name: `Role ${tag}` });
      cut.expectEqual(st, 'roles?name= results', byName.results.map((r) => r.pk), [s.rolePk]);
    }
  });
  await step('user.create', async (st) => {
    const body = { username: `user-${tag}`, name: `User ${tag}`, isActive: true, email: `user-${tag}@example.com`, path: 'users' };
    if (cut.hasMember('UserRequest', 'roles')) {
      need(s, 'role3Pk');
      body.roles = [s.role3Pk];
    }
    const u = await cut.call(st, 'coreUsersCreate', {}, body);
    cut.expectWritten(st, 'user', u, body);
    if (body.roles) cut.expectEqual(st, 'user.rolesObj names', (u.rolesObj || []).map((r) => r.name), [`Member ${tag}`]);
    s.userPk = u.pk;
  });
  await step('user.retrieve', async (st) => {
    need(s, 'userPk');
    const u = await cut.call(st, 'coreUsersRetrieve', { id: s.userPk });
    cut.expectEqual(st, 'user.username', u.username, `user-${tag}`);
  });
  await step('group.create', async (st) => {
    need(s, 'userPk', 'rolePk');
    // The parent's role reaches the group's members too (inherited_roles_obj).
    const inherited = await cut.call(st, 'rbacRolesCreate', {}, { name: `Inherited ${tag}` });
    const parent = await cut.call(st, 'coreGroupsCreate', {}, { name: `Parent ${tag}`, roles: [inherited.pk] });
    s.parentGroupPk = parent.pk;
    const body = { name: `Group ${tag}`, users: [s.userPk], roles: [s.rolePk], attributes: { team: 'rac' } };
    if (cut.hasMember('GroupRequest', 'parent')) body.parent = parent.pk;
    if (cut.hasMember('GroupRequest', 'parents')) body.parents = [parent.pk];
    const g = await cut.call(st, 'coreGroupsCreate', {}, body);
    cut.expectWritten(st, 'group', g, body);
    s.groupPk = g.pk;
  });
  await step('group.retrieve', async (st) => {
    need(s, 'groupPk', 'parentGroupPk');
    const g = await cut.call(st, 'coreGroupsRetrieve', { groupUuid: s.groupPk });
    cut.expectEqual(st, 'group.name', g.name, `Group ${tag}`);
    const parent = await cut.call(st, 'coreGroupsRetrieve', { groupUuid: s.parentGroupPk });
    if (cut.models.get('Group').props.some((p) => p.wire === 'children')) cut.expectEqual(st, 'parent.children', parent.children, [s.groupPk]);
    // The nested lists newer clients ask for: the parent by name, the child, and the
    // role the group inherits from its parent.
    const query = cut.ops.byName.get('coreGroupsRetrieve').query;
    if (query.includes('include_parents')) {
      const full = await cut.call(st, 'coreGroupsRetrieve', { groupUuid: s.groupPk, includeParents: true, includeInheritedRoles: true });
      cut.expectEqual(st, 'group.parentsObj names', (full.parentsObj || []).map((p) => p.name), [`Parent ${tag}`]);
      cut.expectEqual(st, 'group.inheritedRolesObj names', (full.inheritedRolesObj || []).map((r) => r.name), [`Inherited ${tag}`]);
    }
    if (query.includes('include_children')) {
      const full = await cut.call(st, 'coreGroupsRetrieve', { groupUuid: s.parentGroupPk, includeChildren: true });
      cut.expectEqual(st, 'parent.childrenObj names', (full.childrenObj || []).map((c) => c.name), [`Group ${tag}`]);
    }
  });
  await step('token.create', async (st) => {
    need(s, 'userPk');
    const body = { identifier: `tok-${tag}`, intent: 'api', user: s.userPk, description: 'compat token', expiring: false };
    const t = await cut.call(st, 'coreTokensCreate', {}, body);
    cut.expectWritten(st, 'token', t, body);
    s.tokenId = t.identifier;
  });
  await step('token.retrieve', async (st) => {
    need(s, 'tokenId');
    const t = await cut.call(st, 'coreTokensRetrieve', { identifier: s.tokenId });
    cut.expectEqual(st, 'token.userObj.username', t.userObj?.username, `user-${tag}`);
  });
  await step('token.list', async (st) => {
    need(s, 'tokenId');
    const page = await cut.call(st, 'coreTokensList', { identifier: s.tokenId });
    cut.expectEqual(st, 'tokens?identifier= results', page.results.map((t) => t.identifier), [s.tokenId]);
  });
  await step('token.partial_update', async (st) => {
    need(s, 'tokenId');
    const body = { description: 'compat token (patched)' };
    const t = await cut.call(st, 'coreTokensPartialUpdate', { identifier: s.tokenId }, body);
    cut.expectWritten(st, 'token', t, body);
  });
  await step('token.view_key', async (st) => {
    need(s, 'tokenId');
    const k = await cut.call(st, 'coreTokensViewKeyRetrieve', { identifier: s.tokenId });
    if (typeof k.key !== 'string' || k.key.length === 0) throw new Error('view_key returned no key');
    s.userSession = cut.session(k.key);
  });

  // ---- permissions and roles: assign, and check that they count ----
  await step('permission.assign_to_user', async (st) => {
    if (!adapter.userPermissions) throw new NotApplicable('the client has no user permission assignment (from 2025.12 a permission reaches a user through a role)');
    need(s, 'userSession', 'provPk', 'userPk');
    await cut.expectStatus(st, DENIED, 'providersRacRetrieve', { id: s.provPk }, s.userSession);
    const res = await cut.call(st, assignToUser, { id: s.userPk }, { permissions: [VIEW_PROVIDER], model: 'authentik_providers_rac.racprovider', objectPk: String(s.provPk) });
    if (Array.isArray(res)) cut.expectEqual(st, 'assign result length', res.length, 1);
    const p = await cut.call(st, 'providersRacRetrieve', { id: s.provPk }, undefined, s.userSession);
    cut.expectEqual(st, 'provider seen by the user', p.pk, s.provPk);
  });
  await step('permission.assign_to_role', async (st) => {
    // The role reaches the user through the group made in group.create.
    need(s, 'userSession', 'rolePk', 'groupPk', 'flowSlug');
    await cut.expectStatus(st, DENIED, 'flowsInstancesRetrieve', { slug: s.flowSlug }, s.userSession);
    const res = await cut.call(st, assignToRole, { uuid: s.rolePk }, { permissions: [VIEW_FLOW] });
    if (Array.isArray(res)) cut.expectEqual(st, 'assign result length', res.length, 1);
    const f = await cut.call(st, 'flowsInstancesRetrieve', { slug: s.flowSlug }, undefined, s.userSession);
    cut.expectEqual(st, 'flow seen by the user', f.pk, s.flowPk);
  });
  await step('role.add_user', async (st) => {
    if (!adapter.roleUsers) throw new NotApplicable('the client has no rbac/roles/{uuid}/add_user/ (before 2025.12 a role reaches a user through a group)');
    need(s, 'userSession', 'role2Pk', 'userPk', 'epPk');
    await cut.call(st, assignToRole, { uuid: s.role2Pk }, { permissions: [VIEW_ENDPOINT] });
    await cut.expectStatus(st, DENIED, 'racEndpointsRetrieve', { pbmUuid: s.epPk }, s.userSession);
    await cut.call(st, 'rbacRolesAddUserCreate', { uuid: s.role2Pk }, { pk: s.userPk });
    const e = await cut.call(st, 'racEndpointsRetrieve', { pbmUuid: s.epPk }, undefined, s.userSession);
    cut.expectEqual(st, 'endpoint seen by the user', e.pk, s.epPk);
    const u = await cut.call(st, 'coreUsersRetrieve', { id: s.userPk });
    cut.expectEqual(st, 'user.roles contains the role', (u.roles || []).includes(s.role2Pk), true);
    const me = await cut.call(st, 'coreUsersMeRetrieve', {}, undefined, s.userSession);
    cut.expectEqual(st, 'me.user.roles contains the role', (me.user?.roles || []).some((r) => r.pk === s.role2Pk), true);
    await cut.call(st, 'rbacRolesRemoveUserCreate', { uuid: s.role2Pk }, { pk: s.userPk });
    await cut.expectStatus(st, DENIED, 'racEndpointsRetrieve', { pbmUuid: s.epPk }, s.userSession);
  });

  // ---- deletes (also cleanup) ----
  const deletes = [
    ['outpost.delete', 'outpostPk', 'outpostsInstancesDestroy', 'outpostsInstancesRetrieve', (v) => ({ uuid: v })],
    ['application.delete', 'appSlug', 'coreApplicationsDestroy', 'coreApplicationsRetrieve', (v) => ({ slug: v })],
    ['endpoint.delete', 'epPk', 'racEndpointsDestroy', 'racEndpointsRetrieve', (v) => ({ pbmUuid: v })],
    ['token.delete', 'tokenId', 'coreTokensDestroy', 'coreTokensRetrieve', (v) => ({ identifier: v })],
    ['provider.delete_last', 'provPk', 'providersRacDestroy', 'providersRacRetrieve', (v) => ({ id: v })],
    ['mapping.delete', 'pmPk', pm('Destroy'), pm('Retrieve'), (v) => ({ pmUuid: v })],
    ['flow.delete', 'flowSlug', 'flowsInstancesDestroy', 'flowsInstancesRetrieve', (v) => ({ slug: v })],
    ['group.delete', 'groupPk', 'coreGroupsDestroy', 'coreGroupsRetrieve', (v) => ({ groupUuid: v })],
    ['role.delete', 'rolePk', 'rbacRolesDestroy', 'rbacRolesRetrieve', (v) => ({ uuid: v })],
    ['user.delete', 'userPk', 'coreUsersDestroy', 'coreUsersRetrieve', (v) => ({ id: v })],
  ];
  for (const [name, key, destroy, retrieve, params] of deletes) {
    await step(name, async (st) => {
      need(s, key);
      await cut.call(st, destroy, params(s[key]));
      await cut.expectStatus(st, 404, retrieve, params(s[key]));
    });
  }
}
