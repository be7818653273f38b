/**
 * From the foundation SDK's HTTP-API shapes (`alerting.Rule`, `ContactPoint`, `NotificationPolicy`,
 * `NotificationTemplate`) to Grafana's alerting file-provisioning format (apiVersion 1): rule groups with a folder title
 * and an interval string, contact points with their integrations as `receivers`, one policy tree per org, templates.
 * The differences are Grafana's own: `orgID`/`folderUID`/`ruleGroup` of a rule become the group's `orgId`/`folder`/
 * `name`, `for` stays a duration string, and a contact point of the HTTP API is one integration (`receivers[]` entry).
 */
import type * as alerting from '@grafana/grafana-foundation-sdk/alerting';

/** Drops what never reaches JSON (the SDK's marker methods) and undefined fields. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export interface FileQuery {
  refId: string;
  queryType?: string;
  relativeTimeRange: { from: number; to: number };
  datasourceUid: string;
  model: Record<string, unknown>;
}

export interface FileRule {
  uid: string;
  title: string;
  condition: string;
  data: FileQuery[];
  noDataState: string;
  execErrState: string;
  for: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  isPaused?: boolean;
}

export interface FileRuleGroup {
  orgId: number;
  name: string;
  folder: string;
  interval: string;
  rules: FileRule[];
}

export interface FileContactPoint {
  orgId: number;
  name: string;
  receivers: { uid: string; type: string; settings: Record<string, unknown>; disableResolveMessage?: boolean }[];
}

export type FilePolicy = { orgId: number } & Omit<alerting.NotificationPolicy, 'provenance'>;

export interface FileTemplate {
  orgId: number;
  name: string;
  template: string;
}

function fileRule(rule: alerting.Rule): FileRule {
  if (!rule.uid) throw new Error(`rule ${JSON.stringify(rule.title)} has no uid (file provisioning keys rules by it)`);
  const data = rule.data.map((q): FileQuery => {
    if (!q.refId || !q.datasourceUid || !q.model)
      throw new Error(`rule ${rule.uid}: every query needs refId, datasourceUid and model`);
    return {
      refId: q.refId,
      ...(q.queryType ? { queryType: q.queryType } : {}),
      relativeTimeRange: { from: q.relativeTimeRange?.from ?? 0, to: q.relativeTimeRange?.to ?? 0 },
      datasourceUid: q.datasourceUid,
      model: plain(q.model) as unknown as Record<string, unknown>,
    };
  });
  return {
    uid: rule.uid,
    title: rule.title,
    condition: rule.condition,
    data,
    noDataState: rule.noDataState,
    execErrState: rule.execErrState,
    for: rule.for,
    ...(rule.annotations ? { annotations: rule.annotations } : {}),
    ...(rule.labels ? { labels: rule.labels } : {}),
    ...(rule.isPaused !== undefined ? { isPaused: rule.isPaused } : {}),
  };
}

/**
 * Rules grouped as Grafana's file format wants them: one group per (org, folder, rule group), in first-seen order.
 * `intervalS` gives each group's evaluation interval (every rule of a group is evaluated together).
 */
export function ruleGroupsFile(
  rules: readonly alerting.Rule[],
  intervalS: (group: string) => number,
): { apiVersion: 1; groups: FileRuleGroup[] } {
  const groups = new Map<string, FileRuleGroup>();
  for (const rule of rules) {
    const key = `${rule.orgID}\u0000${rule.folderUID}\u0000${rule.ruleGroup}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        orgId: rule.orgID,
        name: rule.ruleGroup,
        folder: rule.folderUID,
        interval: `${intervalS(rule.ruleGroup)}s`,
        rules: [],
      };
      groups.set(key, group);
    }
    group.rules.push(fileRule(rule));
  }
  return { apiVersion: 1, groups: [...groups.values()] };
}

/** HTTP-API contact points (one integration each) grouped by name into file contact points with `receivers`. */
export function contactPointsFile(
  points: readonly alerting.ContactPoint[],
  orgId: number,
): { apiVersion: 1; contactPoints: FileContactPoint[] } {
  const byName = new Map<string, FileContactPoint>();
  for (const p of points) {
    if (!p.name || !p.uid) throw new Error(`a ${p.type} contact point needs a name and a uid`);
    const cp = byName.get(p.name) ?? { orgId, name: p.name, receivers: [] };
    cp.receivers.push({
      uid: p.uid,
      type: p.type,
      settings: plain(p.settings) as Record<string, unknown>,
      ...(p.disableResolveMessage !== undefined ? { disableResolveMessage: p.disableResolveMessage } : {}),
    });
    byName.set(p.name, cp);
  }
  return { apiVersion: 1, contactPoints: [...byName.values()] };
}

/** The org's whole notification policy tree (file provisioning replaces the tree it names). */
export function policiesFile(
  root: alerting.NotificationPolicy,
  orgId: number,
): { apiVersion: 1; policies: FilePolicy[] } {
  const { provenance: _provenance, ...tree } = plain(root);
  if (!tree.receiver) throw new Error('the root notification policy needs a receiver');
  return { apiVersion: 1, policies: [{ orgId, ...tree }] };
}

export function templatesFile(
  templates: readonly alerting.NotificationTemplate[],
  orgId: number,
): { apiVersion: 1; templates: FileTemplate[] } {
  return {
    apiVersion: 1,
    templates: templates.map((t) => {
      if (!t.name || t.template === undefined) throw new Error('a notification template needs a name and a template');
      return { orgId, name: t.name, template: t.template };
    }),
  };
}
