import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;

/** UID of the provisioned CarbonReducer data source, whose resource routes the app calls (app setting `datasourceUid`). */
export const DEFAULT_DATASOURCE_UID = 'carbonreducer';

export const PAGES = ['homes', 'plan', 'tradeoff', 'savings', 'settings'] as const;
export type PageId = (typeof PAGES)[number];

/** Keycloak's account console, where users set up TOTP or SMS (app setting `accountUrl`). */
export const DEFAULT_ACCOUNT_URL = 'http://127.0.0.1:8180/realms/carbonreducer/account/#/security/signingin';
